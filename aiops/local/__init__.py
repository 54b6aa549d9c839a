"""The embedded emulator and the local drivers: ``aiops demo``, ``aiops replay``, tests and benchmarks.

Nothing here ships to Lambda (the build copies no ``aiops/local``) and nothing that Lambda runs imports
it: the handlers, ``aiops/adapters/`` and the core stand on their own (tests/unit/test_architecture.py).
"""
