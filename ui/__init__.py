"""Qt widgets: views of the ``evidence`` models, with no business rules of their own."""
