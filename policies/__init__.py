"""Policy documents, FAQ files and the answer engine.

Import what you need from its module; this package imports nothing itself, so
``policies.answer`` stays cheap for handlers:

- ``policies.answer``: Answer, Audience, Source (the JSON answer contract)
- ``policies.engine``: AnswerEngine, PolicySource
- ``policies.documents``: load_policy, PolicyDocument, Clause
- ``policies.faq``: load_faq, Faq, FaqEntry
- ``policies.errors``: PolicyError and its subclasses
"""
