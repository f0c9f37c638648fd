"""The programme domain's service layer."""
