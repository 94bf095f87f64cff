"""sendDocument: a file the bot sends to a chat (the letter to the committee), with Telegram's checks.

As in the Bot API server, the file is found first ("there is no document in the request"), then the chat and
the bot's rights are checked, then the caption (at most 1024 characters after entities parsing). A document may
also be resent by its `file_id`. An empty upload is refused as Telegram refuses it ("file must be non-empty").
"""

from __future__ import annotations

from bot.sandbox.telegram_core import RequestParams, TelegramCore
from bot.sandbox.telegram_files import photo_source
from bot.sandbox.telegram_markup import bad_request, caption_text, inline_keyboard

MIME = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf",
        "txt": "text/plain", "csv": "text/csv"}


class DocumentMethods(TelegramCore):
    """sendDocument, and what a test or the demo page reads of a sent document."""

    async def _m_sendDocument(self, params: RequestParams) -> dict:
        source = photo_source(params.get("document"), params.uploads, "document")
        if source is None:
            raise bad_request("there is no document in the request")
        chat = self._writable(self._param_chat(params), post=True)
        thread_id, replied = self._reply_context(chat, params)
        caption, entities = caption_text(params.get("caption"), params.get("parse_mode"),
                                         params.get("caption_entities"), user_lookup=self.users.get)
        keyboard = inline_keyboard(params.get("reply_markup"))
        if isinstance(source, bytes):
            if not source:
                raise bad_request("file must be non-empty")
            name = self._upload_name(params) or "document"
            suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            document = self._files.add_document(source, name, MIME.get(suffix, "application/octet-stream"))
        else:
            stored = self._files.get(source)
            if stored is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            document = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                        "file_size": len(stored.data), "file_name": stored.file_path.rsplit("/", 1)[-1]}
        self._check_flood(chat)
        message = self._new_message(chat, thread_id, replied)
        message["document"] = document
        if caption:
            message["caption"] = caption
        if entities:
            message["caption_entities"] = entities
        if keyboard is not None:
            message["reply_markup"] = {"inline_keyboard": keyboard}
        return self._keep(chat, message, outgoing=True)

    @staticmethod
    def _upload_name(params: RequestParams) -> str:
        value = params.get("document")
        part = value[len("attach://"):] if isinstance(value, str) and value.startswith("attach://") else "document"
        return params.upload_names.get(part, "")

    def document_bytes(self, file_id: str) -> bytes | None:
        """The bytes of a document the bot sent (what a person would download)."""
        stored = self._files.get(file_id)
        return stored.data if stored is not None else None
