"""A demo CRM inbox: receives the chatbot's webhooks so the demo shows them arrive."""
