"""Schema migrations, numbered mNNNN_name.py; never edit one that has shipped."""
