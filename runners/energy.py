"""Energy used by a block of work, where the hardware reports it: NVIDIA GPUs through NVML (the
`nvidia-ml-py` package, when installed) and Intel/AMD RAPL package counters where /sys makes them readable.
`joules` stays None, never 0, when nothing can be read: no figure is not the same as no energy."""
from __future__ import annotations

import contextlib
from pathlib import Path

RAPL = Path("/sys/class/powercap")


def _rapl_counters() -> list[Path]:
    """One counter per CPU package (intel-rapl:0, :1, ...; their sub-domains are inside the package's)."""
    found = []
    for domain in sorted(RAPL.glob("intel-rapl:*")):
        counter = domain / "energy_uj"
        if domain.name.count(":") == 1 and counter.is_file():
            with contextlib.suppress(OSError, ValueError):
                int(counter.read_text())
                found.append(counter)
    return found


def _rapl_microjoules(counters: list[Path]) -> list[int]:
    return [int(c.read_text()) for c in counters]


def _rapl_ranges(counters: list[Path]) -> list[int]:
    return [int((c.parent / "max_energy_range_uj").read_text()) for c in counters]


def _nvml_handles() -> list:
    try:
        import pynvml

        pynvml.nvmlInit()
        return [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
    except Exception:  # no package, no driver, no GPU: nothing to read
        return []


def _nvml_millijoules(handles: list) -> list[int]:
    import pynvml

    return [pynvml.nvmlDeviceGetTotalEnergyConsumption(h) for h in handles]


class EnergyMeter:
    """Context manager: `joules` consumed by the CPU packages and GPUs between enter and exit."""

    def __init__(self):
        self.joules: float | None = None

    def __enter__(self) -> EnergyMeter:
        self._rapl = _rapl_counters()
        self._gpus = _nvml_handles()
        self._rapl_start = _rapl_microjoules(self._rapl)
        self._gpu_start = _nvml_millijoules(self._gpus) if self._gpus else []
        return self

    def __exit__(self, *exc) -> None:
        if not self._rapl and not self._gpus:
            return
        joules = 0.0
        if self._rapl:
            # A RAPL counter wraps at max_energy_range_uj.
            for start, end, span in zip(self._rapl_start, _rapl_microjoules(self._rapl), _rapl_ranges(self._rapl)):
                joules += ((end - start) % span) / 1e6
        if self._gpus:
            joules += sum(end - start for start, end in zip(self._gpu_start, _nvml_millijoules(self._gpus))) / 1e3
        self.joules = joules
