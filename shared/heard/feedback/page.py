"""The form's HTML pages and their security headers.

Every page is plain HTML that works without JavaScript (the form posts, the answer is a page);
``assets/feedback.js`` enhances it when it runs (posts JSON, shows the thank-you in place).
Nothing inline: no script, no style attribute, so the strict Content-Security-Policy holds.
URLs are relative (``assets/…``, the form's ``action`` is the slug), so the pages work under
any base path. Every value that comes from the configuration or the visitor is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from heard.feedback.submission import HONEYPOT, MAX_EMAIL_CHARS, MAX_TEXT_CHARS

if TYPE_CHECKING:
    from heard.config import Brand, FeedbackCaptcha

HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Provider:
    script: str  # the widget's script
    widget_class: str  # the element the script turns into the widget
    origins: tuple[str, ...]  # what the widget loads from (script, frames, its API)
    verify_url: str  # the siteverify endpoint


PROVIDERS = {
    # https://developers.cloudflare.com/turnstile/get-started/server-side-validation/
    "turnstile": Provider(
        "https://challenges.cloudflare.com/turnstile/v0/api.js",
        "cf-turnstile",
        ("https://challenges.cloudflare.com",),
        "https://challenges.cloudflare.com/turnstile/v0/siteverify",
    ),
    # https://docs.hcaptcha.com/#verify-the-user-response-server-side
    "hcaptcha": Provider(
        "https://js.hcaptcha.com/1/api.js",
        "h-captcha",
        ("https://hcaptcha.com", "https://*.hcaptcha.com"),
        "https://api.hcaptcha.com/siteverify",
    ),
}


def content_security_policy(brand: Brand) -> str:
    """``default-src 'none'`` and only what the page needs: its own stylesheet and script, the
    CAPTCHA provider's when one is configured, posting to itself, and being framed only by the
    brand's allowed origins (none by default)."""
    form = brand.feedback
    captcha = " ".join(PROVIDERS[form.captcha.provider].origins) if form.captcha else ""
    extra = f" {captcha}" if captcha else ""
    ancestors = " ".join(form.allowed_origins) or "'none'"
    directives = [
        "default-src 'none'",
        f"style-src 'self'{extra}",
        f"script-src 'self'{extra}",
        f"connect-src 'self'{extra}",
        *([f"frame-src {captcha}"] if captcha else []),
        "img-src 'self'",
        "form-action 'self'",
        f"frame-ancestors {ancestors}",
        "base-uri 'none'",
    ]
    return "; ".join(directives)


def page_headers(brand: Brand | None, *, cache: str = "no-store") -> dict[str, str]:
    """What every HTML page is sent with. Without a brand (a 404) nothing may frame it."""
    csp = (
        content_security_policy(brand)
        if brand is not None
        else "default-src 'none'; style-src 'self'; script-src 'self'; form-action 'none'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    return {
        "Content-Type": HTML,
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": cache,
    }


def _page(title: str, body: str, captcha: FeedbackCaptcha | None = None) -> str:
    widget_script = (
        f'\n<script src="{escape(PROVIDERS[captcha.provider].script)}" async defer></script>'
        if captcha
        else ""
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{escape(title)}</title>
<link rel="stylesheet" href="assets/feedback.css">
<script src="assets/feedback.js" defer></script>{widget_script}
</head>
<body>
<main class="heard-feedback">
{body}
</main>
</body>
</html>
"""


def _title(brand: Brand) -> str:
    return brand.feedback.title or f"Tell {brand.name} what you think"


def form_page(
    brand: Brand,
    *,
    error: str | None = None,
    field: str | None = None,
    text: str = "",
    email: str = "",
    rating: int | None = None,
) -> str:
    """The form; after a refusal, with the message and what the visitor wrote, kept."""
    form = brand.feedback
    intro = (
        form.intro
        or f"{brand.name} reads every message. Leave an email address if you would like an answer."
    )
    stars = "\n".join(
        f'<label class="star"><input type="radio" name="rating" value="{n}"'
        f"{' checked' if rating == n else ''}> {n}</label>"
        for n in range(1, 6)
    )
    alert = (
        f'<p class="error" id="feedback-error" role="alert" data-field="{escape(field or "")}">'
        f"{escape(error)}</p>"
        if error
        else '<p class="error" id="feedback-error" role="alert" hidden></p>'
    )
    widget = (
        f'\n<div class="{PROVIDERS[form.captcha.provider].widget_class}" '
        f'data-sitekey="{escape(form.captcha.site_key)}"></div>'
        if form.captcha
        else ""
    )
    body = f"""<h1>{escape(_title(brand))}</h1>
<p class="intro">{escape(intro)}</p>
<form class="feedback" method="post" action="{escape(brand.feedback_slug)}" data-heard-feedback>
{alert}
<label for="text">Your feedback</label>
<textarea id="text" name="text" rows="7" maxlength="{MAX_TEXT_CHARS}" required>{escape(text)}</textarea>
<label for="email">Email <span class="optional">(optional, for a private answer)</span></label>
<input id="email" name="email" type="email" maxlength="{MAX_EMAIL_CHARS}" autocomplete="email" value="{escape(email)}">
<fieldset class="rating">
<legend>How would you rate {escape(brand.name)}? <span class="optional">(optional, 5 is best)</span></legend>
{stars}
</fieldset>
<div class="hp" aria-hidden="true">
<label for="{HONEYPOT}">Leave this field empty</label>
<input id="{HONEYPOT}" name="{HONEYPOT}" type="text" tabindex="-1" autocomplete="off">
</div>{widget}
<button type="submit">Send feedback</button>
</form>
<p class="privacy">Your message goes to {escape(brand.name)}'s care team. Your address is used only to answer you.</p>"""  # noqa: E501
    return _page(_title(brand), body, form.captcha)


def thanks_page(brand: Brand) -> str:
    body = f"""<h1>Thank you</h1>
<p class="thanks" role="status">{escape(brand.name)} has your feedback. If you left an email address, the team can answer you there.</p>
<p><a href="{escape(brand.feedback_slug)}">Send more feedback</a></p>"""  # noqa: E501
    return _page(f"Thank you - {brand.name}", body)


def error_page(status: int, message: str, brand: Brand | None = None) -> str:
    """A refusal that is not about a field (no form, too many submissions, ...)."""
    back = (
        f'\n<p><a href="{escape(brand.feedback_slug)}">Back to the form</a></p>'
        if brand is not None
        else ""
    )
    body = f"""<h1>{"Not found" if status == 404 else "Your feedback was not sent"}</h1>
<p class="error" role="alert">{escape(message)}</p>{back}"""
    return _page("Feedback" if brand is None else f"Feedback - {brand.name}", body)
