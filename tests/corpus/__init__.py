"""Bad report files for tests/test_corpus.py, made by make_corpus.py."""
