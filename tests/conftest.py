"""The test suite's root. pytest puts the folder of each conftest.py on the import path, so the helpers at this level
(``benchmark_modules``, ``jsonpos_docs``) import alike from a test in any folder, whichever folder is run alone."""
