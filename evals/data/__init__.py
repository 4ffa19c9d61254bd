"""Dataset sources: rows from files, the Hugging Face hub or generators, mapped to Samples."""
