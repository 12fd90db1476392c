"""An example third-party plugin: registers by entry points, imported by nobody."""
