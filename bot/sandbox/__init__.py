"""Offline emulators of VK, OK and Telegram that speak the real wire formats, for tests and the demo.

- `vk_api.VkEmulator`: the VK API (`/method/{name}`) of one community, strict like api.vk.ru.
- `vk_callback.CallbackSender`: delivers Callback API events to the service the way VK does (retries included).
- `ok_api.OkEmulator`: OK's REST API (`/fb.do`, signed) and Bot API (`/graph/*`) of one group, strict like api.ok.ru.
- `ok_webhook.OkWebhookSender`: delivers the group's `MESSAGE_CREATED` webhooks to the subscribed address.
- `telegram_api.TelegramEmulator`: the Bot API (`/bot{token}/{method}`) with the work chat and its people.
- `control.sandbox_app`: the control API and the demo page, mounted by the service under /sandbox
  (`control_ok` adds the OK routes, `control_faults` the injected faults and the situations around them).
- `faults.FaultBook`: errors each emulator answers on purpose, for N calls or S seconds, in its network's shape.
- `serve`: all of the above in a process of their own (`python -m bot.sandbox.serve`), for a service started apart.
"""
