"""The resolved plan every generator reads: built from the checked spec by resolve."""
