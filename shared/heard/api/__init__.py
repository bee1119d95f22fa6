"""The management API's domain: what a client may ask (``inbox``), what it is answered
(``responses``) and how a refusal reads (``errors``). The handler in functions/api maps HTTP
to these and back."""
