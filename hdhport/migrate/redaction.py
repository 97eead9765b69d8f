"""Credentials a migration command may be given inline, hidden from every message, summary and state file.

Recognised by what they are, not by where they appear: SAS signatures and S3 presigned parameters in
query strings, the password of a URL (`scheme://user:password@host`), libpq's `password=`, and the
secret parameters of an rclone connection string (`:s3,secret_access_key=...:bucket`,
`:webdav,url=...,pass=...:`, `remote,sas_url=...:container`): any parameter whose name holds
pass, secret, key, token, sas, credential, signature, cookie or auth.
"""
from __future__ import annotations

import re

HIDDEN = "***"
_SAS_QUERY = re.compile(r"(?i)\b(sig|se|sp|sv|ss|srt|st|spr|skoid|sktid|skt|ske|sks|skv|signature|x-amz-signature"
                        r"|x-amz-credential|x-amz-security-token)=[^&\s\"']+")
# scheme://user:password@ ; the password stops at the last '@' before the host, as libpq and urllib read it.
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]*):[^\s/]*@(?=[^@\s]*(?:[/\s?#]|$))")
_LIBPQ_PASSWORD = re.compile(r"(?i)(?<![,\w-])(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)")
# rclone connection-string parameters: `,name=value`, the value quoted ('...' or "...", doubled to escape) or
# running to the next ',' or ':'.
_CONNECTION_SECRET = re.compile(r"(?i)(,[\w-]*(?:pass|secret|key|token|sas|credential|signature|cookie|auth)[\w-]*=)"
                                r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[^,:\s]*)")


def redact(text: str) -> str:
    """`text` with every credential it carries replaced by ***."""
    if "=" not in text and "@" not in text:
        return text  # every pattern below needs one of them (rclone's log lines, mostly): no regex to run
    text = _CONNECTION_SECRET.sub(lambda m: m.group(1) + HIDDEN, text)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{HIDDEN}@", text)
    text = _LIBPQ_PASSWORD.sub(lambda m: m.group(1) + HIDDEN, text)
    return _SAS_QUERY.sub(lambda m: f"{m.group(1)}=REDACTED", text)
