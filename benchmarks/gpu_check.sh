#!/usr/bin/env bash
# One prepared GPU check (issue 25, item 5): on a machine with a CUDA device, train the PyTC-size
# model for a few hundred steps in 16-mixed and bf16-mixed (DDP on one device), predict 250^3 on
# the GPU, and report step / bare step and predict / bare forward with peak GPU memory.
# Run from the repository root:  bash benchmarks/gpu_check.sh   (writes $OUT or benchmarks/results)
set -euo pipefail
OUT="${OUT:-benchmarks/results}"
mkdir -p "$OUT"
uv sync --frozen >/dev/null 2>&1 || true
PY="${PY:-.venv/bin/python}"
"$PY" - "$OUT" <<'PYEOF'
import json, sys, time, tempfile, zipfile
from pathlib import Path
import numpy as np, torch
sys.path.insert(0, "benchmarks")
from machine import machine, load
out = Path(sys.argv[1]); assert torch.cuda.is_available(), "no CUDA device"
from pytorch_lightning import Callback
from connectomics.config import create_config, load_config
from connectomics.data.samples import sample_archive
import dataclasses
from connectomics.data.inference import InferenceOptions, predict_volume
from connectomics.lightning import ConnectomicsDataModule, ConnectomicsModule, create_trainer
from bench_predict_250 import PYTC_SIZE
tmp = Path(tempfile.mkdtemp()); medulla = tmp / "medulla"
with zipfile.ZipFile(sample_archive("fibsem_medulla")) as z: z.extractall(medulla)
STEPS = 300
report = {"machine": machine(), "load": load(), "runs": {}}
class Clock(Callback):
    def __init__(self): self.ends = []
    def on_train_batch_end(self, *a): torch.cuda.synchronize(); self.ends.append(time.perf_counter())
def bare_step(model, batch, patch, dtype, n=20):
    model = model.cuda().train(); opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(batch, 1, *patch, device="cuda"); y = (torch.rand(batch, 3, *patch, device="cuda") > .3).float()
    scaler = torch.amp.GradScaler(enabled=dtype == torch.float16); ts = []
    for _ in range(n):
        torch.cuda.synchronize(); t = time.perf_counter(); opt.zero_grad()
        with torch.autocast("cuda", dtype=dtype):
            o = model(x); o = o[0] if isinstance(o, list) else o
        scaler.scale(torch.nn.functional.binary_cross_entropy_with_logits(o.float(), y)).backward()
        scaler.step(opt); scaler.update(); torch.cuda.synchronize(); ts.append(time.perf_counter() - t)
    return float(np.median(ts[5:]))
for precision, dtype in (("16-mixed", torch.float16), ("bf16-mixed", torch.bfloat16)):
    cfg = create_config(load_config("neurons_cpu", overrides=[*PYTC_SIZE, f"logging.save_dir={tmp / precision}"]), {
        "data.train_image": str(medulla / "train.h5"), "data.train_label": str(medulla / "train.h5"),
        "data.val_split": None, "data.test_image": None, "data.test_label": None, "data.pad_mode": "reflect",
        "training.max_time": None, "training.max_steps": STEPS, "training.precision": precision,
        "decoding.tune.enabled": False, "logging.progress_bar": False,
        "system.num_gpus": 1, "system.strategy": "ddp", "data.num_workers": 4})
    clock = Clock(); torch.cuda.reset_peak_memory_stats()
    module = ConnectomicsModule(cfg)
    trainer = create_trainer(cfg, logger=False, enable_checkpointing=False, callbacks=[clock], limit_val_batches=0)
    trainer.fit(module, datamodule=ConnectomicsDataModule(cfg))
    step = float(np.median(np.diff(clock.ends[10:])))
    train_peak = torch.cuda.max_memory_allocated() / 2**30
    bare = bare_step(module.model, int(cfg.data.batch_size), list(cfg.data.patch_size), dtype)
    model = module.model.cuda().eval(); image = np.random.default_rng(0).random((250,) * 3, dtype=np.float32)
    options = dataclasses.replace(InferenceOptions.from_config(cfg), device="cuda", activation=("sigmoid",))
    torch.cuda.reset_peak_memory_stats(); t = time.perf_counter(); predict_volume(model, image, options=options)
    torch.cuda.synchronize(); predict = time.perf_counter() - t
    x = torch.randn(int(cfg.inference.batch_size), 1, 32, 128, 128, device="cuda")
    with torch.inference_mode(), torch.autocast("cuda", dtype=dtype):
        model(x); torch.cuda.synchronize(); t = time.perf_counter(); model(x); torch.cuda.synchronize()
    forward = time.perf_counter() - t
    from connectomics.data.inference.window_grid import WindowGrid
    forwards = -(-len(WindowGrid.build((250,) * 3, (32, 128, 128), tuple(cfg.overlap_per_axis()), (0, 0, 0))) // int(cfg.inference.batch_size))
    report["runs"][precision] = {"step_s": step, "bare_step_s": bare, "step_over_bare": step / bare,
        "train_peak_gib": train_peak, "predict_250_s": predict, "bare_forward_s": forward,
        "predict_over_bare_forwards": predict / (forward * forwards),
        "predict_peak_gib": torch.cuda.max_memory_allocated() / 2**30, "load": load()}
    print(json.dumps({precision: report["runs"][precision]}), flush=True)
(out / "gpu_check.json").write_text(json.dumps(report, indent=1)); print("wrote", out / "gpu_check.json")
PYEOF
