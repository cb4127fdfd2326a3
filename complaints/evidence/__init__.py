"""DNS evidence: PTR and forward confirmation, blocklists, host records, SPF and DMARC.

All DNS goes through `resolver.query`; `lookups` plans and runs the queries for
subjects in parallel; `services` stores each new answer as an immutable
`Evidence` row; `selectors` reads them back; `tasks` runs it all from Celery.
"""
