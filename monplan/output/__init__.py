"""The only code touching the output tree: the atomic writer, the build record, spilled files."""
