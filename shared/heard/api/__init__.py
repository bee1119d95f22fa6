"""The management API's domain: what a client may ask (``inbox``), what it is answered
(``responses``), how a refusal reads (``errors``) and who is asking (``identity``). The handler
in functions/api maps HTTP to these and back."""
