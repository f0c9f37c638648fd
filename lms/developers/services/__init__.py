"""The developers domain's service layer: profiles, segments and audiences, one module each."""
