"""What part did this ISP play in a spam, and which customer account is behind it?

`engine.attribute()` reads the report's facts, our inventory and the evidence and
returns an `Attribution`; `services` store it on the report and roll it up per case.
"""
