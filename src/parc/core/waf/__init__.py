"""AWS WAF web ACL evaluation, offline: the model, the request, text transformations, components, statements."""
