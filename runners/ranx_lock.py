"""One process-wide lock held around every call into ranx's numba kernels.

ranx's metric and randomisation-test kernels are numba `parallel=True` functions, and importing ranx pins
numba's threading layer to workqueue (`ranx/__init__.py` sets `config.THREADING_LAYER`, so
NUMBA_THREADING_LAYER=omp or tbb has no effect). That layer aborts the whole process (SIGABRT, "Concurrent
access has been detected") when two threads enter a parallel kernel at once, as two requests to a threaded
web server do. Serialising the calls here works whatever layer is in use; each call takes milliseconds.
"""
import threading

RANX_KERNELS = threading.Lock()
