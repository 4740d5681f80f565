"""Helpers shared by the test layers.

Test modules import shared helpers from here and only from here: never from a conftest
(pytest owns those; they hold the fixtures) and never from another test module
(tests/unit/test_architecture.py checks both). Importing this package connects to nothing;
`tests.support.services` needs the database and Redis drivers, so only the integration
and e2e layers import it.
"""
