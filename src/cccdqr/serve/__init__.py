"""The HTTP verification service and the checkpoint page (layer 7, services).

``cccdqr.serve.app.create_app`` builds the ASGI app (Starlette); ``cccdqr.serve.run``
serves it with uvicorn on one or more worker processes. The trust list, policy and
revocation list live in :mod:`cccdqr.serve.state`, reloaded atomically.

May import the library's layers 0-6 (core .. checkpoint), Starlette and uvicorn;
never ``cccdqr.batch`` (a sibling service) or ``cccdqr.cli`` (above).
"""
