"""Dashboard tests; a package, so its conftest is not the module `conftest` of tests/python."""
