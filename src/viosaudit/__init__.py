"""viosaudit: are our VIOS exposed, and what does fixing them cost the business?"""

__version__ = "0.1.0"
