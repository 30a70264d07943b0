"""Closing the loop on a proposed change: its evidence folder, the check after the work, the CAB's decisions.

``evidence`` writes ``<report>/changes/<change id>/`` (the before state, the record drafts, the raw
captures, a SHA-256 manifest); ``manifest`` checks such a folder or the evidence zip; ``verify`` judges an
after snapshot against the before state; ``cab`` reads the decisions back from the CAB workbook.
"""
