"""The app's flows: one small controller per thing a user does (capture, seal, review, export, unlock).

Each flow takes the views it drives and the shared :class:`app.lock.LockCoordinator`; dialogs hand back typed
requests, jobs run on workers with the identity they started with, and errors reach the user through
:class:`app.feedback.Feedback`.
"""
