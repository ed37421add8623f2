"""A local fake Discord for driving the real discord.py stack in tests, with payload builders.

`FakeDiscord` is an aiohttp server that discord.py's REST client is pointed at
(`discord.http.Route.BASE`) and whose `/gateway` websocket speaks enough of the gateway protocol for
`bot.start()`: HELLO, IDENTIFY (one connection per shard), READY, heartbeats and dispatched events. It
records every REST call and enforces Discord's contract: the 3 s deadline for the first response, no
double acknowledgement, message/embed/component limits, and (our rule) `allowed_mentions:
{"parse": []}` on every message that is created. Shared by tests/bot/ (bots in the test
process) and tests/test_serve.py (`claimbot serve` processes).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import discord
from aiohttp import WSMsgType, web

APP_ID = 900000000000000001
BOT_USER = {
    "id": str(APP_ID),
    "username": "claimbot",
    "discriminator": "0",
    "global_name": "claimbot",
    "avatar": None,
    "bot": True,
    "public_flags": 0,
    "flags": 0,
}
DEADLINE_S = 3.0
MANAGE_MESSAGES = 1 << 13
MANAGE_GUILD = 1 << 5
MEMBER_PERMS = (1 << 10) | (1 << 11) | (1 << 31)  # view channel, send messages, use application commands
_guilds = itertools.count(7_000_000_000_000_000_001)
_users = itertools.count(8_000_000_000_000_000_001)
# Every guild's roles: @everyone (the guild's own id) with MEMBER_PERMS, and one role per set of
# server permissions a `Member` was given (what `GET /guilds/{id}` lists), by the role's id.
PERMISSION_ROLES: dict[int, int] = {}


def snowflake() -> int:
    snowflake.last = max(getattr(snowflake, "last", 0) + 1, discord.utils.time_snowflake(discord.utils.utcnow()))
    return snowflake.last


def jresp(data: Any, status: int = 200) -> web.Response:
    # Exactly "application/json": discord.py compares the header with ==.
    return web.Response(status=status, body=json.dumps(data).encode(), content_type="application/json")


def error(status: int, code: int, message: str) -> web.Response:
    return jresp({"code": code, "message": message}, status)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict
    json: Any
    status: int = 200
    response: Any = None


@dataclass
class Token:
    created: float
    interaction_id: int
    channel_id: int
    message: dict | None  # the message a component lives on (component and modal interactions)
    acked: bool = False
    original: dict | None = None


# -- Discord's limits -----------------------------------------------------------------------
def limit_problems(body: dict) -> list[str]:
    problems = []
    if len(body.get("content") or "") > 2000:
        problems.append("content over 2000")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        problems.append("more than 10 embeds")
    total = 0
    for e in embeds:
        title, desc = e.get("title") or "", e.get("description") or ""
        fields = e.get("fields") or []
        footer = (e.get("footer") or {}).get("text") or ""
        author = (e.get("author") or {}).get("name") or ""
        if len(title) > 256:
            problems.append(f"embed title {len(title)} > 256")
        if len(desc) > 4096:
            problems.append(f"embed description {len(desc)} > 4096")
        if len(fields) > 25:
            problems.append("more than 25 fields")
        for f in fields:
            if len(f.get("name") or "") > 256 or not f.get("name"):
                problems.append("field name empty or over 256")
            if len(f.get("value") or "") > 1024 or not f.get("value"):
                problems.append(f"field value {len(f.get('value') or '')} empty or over 1024")
        if len(footer) > 2048:
            problems.append("footer over 2048")
        total += (
            len(title)
            + len(desc)
            + len(footer)
            + len(author)
            + sum(len(f.get("name") or "") + len(f.get("value") or "") for f in fields)
        )
    if total > 6000:
        problems.append(f"embeds total {total} > 6000")
    problems += component_problems(body.get("components") or [])
    return problems


def component_problems(rows: list[dict]) -> list[str]:
    problems, ids = [], []
    if len(rows) > 5:
        problems.append("more than 5 action rows")
    for row in rows:
        if row.get("type") == 18:  # a modal's label: one component under a title of up to 45 characters
            if not 1 <= len(row.get("label") or "") <= 45:
                problems.append("label text not 1-45 chars")
            if len(row.get("description") or "") > 100:
                problems.append("label description over 100 chars")
            row = {"components": [row["component"]]}
        children = row.get("components") or []
        if len(children) > 5:
            problems.append("more than 5 components in a row")
        for c in children:
            if "custom_id" in c:
                ids.append(c["custom_id"])
                if not 1 <= len(c["custom_id"]) <= 100:
                    problems.append("custom_id not 1-100 chars")
            if c.get("type") == 4 and c.get("max_length", 0) > 4000:
                problems.append("text input max_length over 4000")
            if c.get("type") == 3:
                options = c.get("options") or []
                if not 1 <= len(options) <= 25:
                    problems.append("select with not 1-25 options")
                for o in options:
                    if not 1 <= len(o.get("label") or "") <= 100 or len(o.get("description") or "") > 100:
                        problems.append(f"select option {o.get('value')!r}: label or description too long")
    if len(ids) != len(set(ids)):
        problems.append(f"duplicate custom_ids {ids}")
    return problems


class FakeDiscord:
    """Records every REST call and answers like Discord, enforcing its contract."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.messages: dict[int, dict] = {}
        self.tokens: dict[str, Token] = {}
        self.deadline_s = DEADLINE_S
        self._changed = asyncio.Condition()
        # Gateway: the open connection of each shard (an unsharded bot is shard 0 of 1), and every
        # IDENTIFY payload received, in order.
        self.gateways: dict[int, web.WebSocketResponse] = {}
        self.identifies: list[dict] = []
        self._seq = 0
        self.port = 0
        # Test hooks: `hold` keeps matching requests in flight (recorded on arrival, answered once
        # `released` is set); `fail` answers matching requests with the error response it returns.
        self.hold: Callable[[Recorded], bool] | None = None
        self.released = asyncio.Event()
        self.fail: Callable[[Recorded], web.Response | None] | None = None

    # -- server ---------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    async def wait_for(self, pred: Callable[[Recorded], bool], timeout: float = 10.0, start: int = 0) -> Recorded:
        """The first recorded request (from index `start`) matching `pred`; waits for it."""

        async def found() -> Recorded:
            async with self._changed:
                while True:
                    for r in self.requests[start:]:
                        if pred(r):
                            return r
                    await self._changed.wait()

        return await asyncio.wait_for(found(), timeout)

    def find(self, pred: Callable[[Recorded], bool]) -> list[Recorded]:
        return [r for r in self.requests if pred(r)]

    # -- interactions ---------------------------------------------------------------------
    def feed(self, bot: discord.Client, payload: dict) -> dict:
        self.tokens[payload["token"]] = Token(
            asyncio.get_running_loop().time(), int(payload["id"]), int(payload["channel_id"]), payload.get("message")
        )
        bot._connection.parse_interaction_create(payload)
        return payload

    def message_json(
        self, channel_id: int, body: dict, *, flags: int = 0, mid: int | None = None, interaction: bool = False
    ) -> dict:
        mid = mid or snowflake()
        msg = {
            "id": str(mid),
            "channel_id": str(channel_id),
            "type": 20 if interaction else 0,
            "content": body.get("content") or "",
            "author": BOT_USER,
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "flags": flags | (body.get("flags") or 0),
            "timestamp": discord.utils.utcnow().isoformat(),
            "edited_timestamp": None,
        }
        self.messages[mid] = msg
        return msg

    def _check_body(self, body: dict, creates: bool, where: str) -> list[str]:
        problems = limit_problems(body)
        if creates and (body.get("content") or body.get("embeds")) and body.get("allowed_mentions") != {"parse": []}:
            problems.append(
                f"{where}: message created without allowed_mentions parse [] ({body.get('allowed_mentions')})"
            )
        return problems

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body: Any = None
        if raw:
            if request.content_type == "application/json":
                body = json.loads(raw)
            elif request.content_type.startswith("multipart/"):
                reader = await request.multipart()
                async for part in reader:
                    if part.name == "payload_json":
                        body = json.loads(await part.text())
        rec = Recorded(
            request.method, "/" + request.match_info["tail"], dict(request.query), dict(request.headers), body
        )
        held = self.hold is not None and self.hold(rec)
        if held:
            async with self._changed:
                self.requests.append(rec)
                self._changed.notify_all()
            await self.released.wait()
        failed = self.fail(rec) if self.fail is not None else None
        response = failed if failed is not None else self._answer(rec)
        rec.status = response.status
        async with self._changed:
            if not held:
                self.requests.append(rec)
            self._changed.notify_all()
        return response

    def _answer(self, r: Recorded) -> web.Response:
        parts = r.path.strip("/").split("/")
        body = r.json or {}
        if r.path == "/users/@me":
            if r.headers.get("Authorization") != "Bot fake-token":  # Discord's answer to a wrong token
                return error(401, 0, "401: Unauthorized")
            return jresp(BOT_USER)
        if r.path == "/oauth2/applications/@me":
            return jresp(
                {
                    "id": str(APP_ID),
                    "name": "claimbot",
                    "icon": None,
                    "description": "",
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": BOT_USER,
                    "verify_key": "00",
                    "flags": 0,
                }
            )
        if parts[0] == "interactions" and parts[-1] == "callback":
            return self._callback(r, parts[1], parts[2], body)
        if parts[0] == "webhooks":
            return self._webhook(r, parts, body)
        if parts[0] == "channels" and len(parts) >= 3 and parts[2] == "messages":
            if r.headers.get("Authorization") != "Bot fake-token":
                self.violations.append(f"{r.method} {r.path} without bot authorization")
                return error(401, 0, "401: Unauthorized")
            problems = self._check_body(body, r.method == "POST", r.path)
            if problems:
                self.violations += problems
                return error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
            if r.method == "POST":
                r.response = self.message_json(int(parts[1]), body)
                return jresp(r.response)
            if r.method == "PATCH":
                msg = self.messages.get(int(parts[3])) or self.message_json(int(parts[1]), {}, mid=int(parts[3]))
                msg.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
                r.response = msg
                return jresp(msg)
        if parts[0] == "guilds" and len(parts) == 2 and r.method == "GET":
            return jresp(guild_json(int(parts[1])))
        if r.path == "/users/@me/channels":
            user = {**BOT_USER, "id": body["recipient_id"], "bot": False, "username": "someone"}
            r.response = {"id": str(snowflake()), "type": 1, "recipients": [user], "last_message_id": None}
            return jresp(r.response)
        if parts[0] == "applications" and parts[-1] == "commands" and r.method == "PUT":
            r.response = [
                {"description": "", **c, "id": str(snowflake()), "application_id": str(APP_ID), "version": "1"}
                for c in body
            ]
            return jresp(r.response)
        return error(404, 10000, f"404: unknown route {r.method} {r.path}")

    def _callback(self, r: Recorded, interaction_id: str, token: str, body: dict) -> web.Response:
        t = self.tokens.get(token)
        if t is None:
            return error(404, 10062, "Unknown interaction")
        if asyncio.get_running_loop().time() - t.created > self.deadline_s:
            self.violations.append(f"callback type {body.get('type')} after the {self.deadline_s} s deadline")
            return error(404, 10062, "Unknown interaction")
        if t.acked:
            self.violations.append(f"double acknowledgement (type {body.get('type')})")
            return error(400, 40060, "Interaction has already been acknowledged.")
        kind = body.get("type")
        data = body.get("data") or {}
        problems = (
            self._check_body(data, kind == 4, "callback")
            if kind in (4, 7)
            else (component_problems(data.get("components") or []) if kind == 9 else [])
        )
        if kind == 9 and not 1 <= len(data.get("custom_id", "")) <= 100:
            problems.append("modal custom_id")
        if problems:
            self.violations += problems
            return error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        t.acked = True
        flags = data.get("flags") or 0
        resource: dict = {"type": kind}
        if kind in (4, 5):
            t.original = self.message_json(
                t.channel_id, data if kind == 4 else {}, flags=flags | (128 if kind == 5 else 0), interaction=True
            )
            resource["message"] = t.original
        elif kind in (6, 7) and t.message is not None:
            t.original = self.messages.get(int(t.message["id"]), t.message)
            if kind == 7:
                t.original.update({k: v for k, v in data.items() if k in ("content", "embeds", "components")})
                resource["message"] = t.original
        r.response = {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(flags & 64),
            },
            "resource": resource,
        }
        return jresp(r.response)

    def _webhook(self, r: Recorded, parts: list[str], body: dict) -> web.Response:
        token = parts[2]
        t = self.tokens.get(token)
        if t is None or not t.acked:
            return error(404, 10015, "Unknown Webhook")
        if r.headers.get("Authorization"):
            self.violations.append("webhook call with an Authorization header")
        if len(parts) == 3 and r.method == "POST":
            problems = self._check_body(body, True, "followup")
            if problems:
                self.violations += problems
                return error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
            r.response = self.message_json(t.channel_id, body, interaction=True)
            return jresp(r.response)
        if len(parts) == 5 and parts[3] == "messages":
            target = t.original if parts[4] == "@original" else self.messages.get(int(parts[4]))
            if target is None:
                return error(404, 10008, "Unknown Message")
            if r.method == "DELETE":
                self.messages.pop(int(target["id"]), None)
                return web.Response(status=204)
            if r.method == "PATCH":
                problems = self._check_body(body, False, "edit")
                if problems:
                    self.violations += problems
                    return error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
                target.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
            r.response = target
            return jresp(target)
        return error(404, 10000, "unknown webhook route")

    # -- gateway ----------------------------------------------------------------------------
    @property
    def identify(self) -> dict:
        return self.identifies[-1]

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        shard = None
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                if data["op"] == 2:
                    shard, count = data["d"].get("shard", [0, 1])
                    self._seq += 1
                    await ws.send_str(
                        json.dumps(
                            {
                                "op": 0,
                                "t": "READY",
                                "s": self._seq,
                                "d": {
                                    "v": 10,
                                    "user": BOT_USER,
                                    "guilds": [],
                                    "session_id": f"fake-session-{shard}",
                                    "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
                                    "shard": [shard, count],
                                    "application": {"id": str(APP_ID), "flags": 0},
                                },
                            }
                        )
                    )
                    async with self._changed:
                        self.identifies.append(data["d"])
                        self.gateways[shard] = ws
                        self._changed.notify_all()
                elif data["op"] == 1:
                    await ws.send_str(json.dumps({"op": 11}))
        finally:
            async with self._changed:
                if shard is not None and self.gateways.get(shard) is ws:
                    del self.gateways[shard]
                self._changed.notify_all()
        return ws

    async def wait_for_shards(self, shards: set[int], timeout: float = 10.0) -> None:
        """Until exactly these shards have an identified gateway connection (empty: all closed)."""

        async def connected() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: set(self.gateways) == shards)

        await asyncio.wait_for(connected(), timeout)

    def shard_of(self, guild_id: int) -> int:
        """The shard Discord sends a guild's events to: (guild_id >> 22) % shard count."""
        count = self.identify.get("shard", [0, 1])[1]
        return (guild_id >> 22) % count

    async def dispatch_interaction(self, payload: dict) -> dict:
        """An INTERACTION_CREATE over the gateway, its token registered for the callback."""
        self.tokens[payload["token"]] = Token(
            asyncio.get_running_loop().time(), int(payload["id"]), int(payload["channel_id"]), payload.get("message")
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def dispatch(self, event: str, data: dict) -> None:
        """Send an event over the gateway connection of the shard that owns its guild."""
        shard = self.shard_of(int(data["guild_id"])) if "guild_id" in data else min(self.gateways)
        self._seq += 1
        await self.gateways[shard].send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))


# -- payloads -------------------------------------------------------------------------------
def role_json(role_id: int, permissions: int, position: int) -> dict:
    return {
        "id": str(role_id),
        "name": f"role-{position}",
        "color": 0,
        "hoist": False,
        "position": position,
        "permissions": str(permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def guild_json(guild_id: int) -> dict:
    """A guild as `GET /guilds/{id}` gives it: its roles, whose permissions are the server's."""
    roles = [role_json(guild_id, MEMBER_PERMS, 0)]
    roles += [role_json(rid, perms, i) for i, (rid, perms) in enumerate(PERMISSION_ROLES.items(), 1)]
    return {
        "id": str(guild_id),
        "name": "guild",
        "icon": None,
        "owner_id": str(APP_ID + 1),  # nobody the tests play
        "roles": roles,
        "emojis": [],
        "stickers": [],
        "features": [],
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "system_channel_flags": 0,
    }


def permission_role(permissions: int) -> int:
    """The role that grants these server permissions (one per set, made on first use)."""
    for role_id, perms in PERMISSION_ROLES.items():
        if perms == permissions:
            return role_id
    role_id = snowflake()
    PERMISSION_ROLES[role_id] = permissions
    return role_id


@dataclass
class Member:
    """`permissions`: the member's in the server, from their roles; `channel_permissions`: in the
    channel of the interaction, where overwrites differ (Discord's payload gives only these)."""

    id: int = field(default_factory=lambda: next(_users))
    permissions: int = MEMBER_PERMS
    roles: list[int] = field(default_factory=list)
    name: str = "user"
    channel_permissions: int | None = None

    def json(self) -> dict:
        roles = [*self.roles, permission_role(self.permissions)] if self.permissions != MEMBER_PERMS else self.roles
        channel = self.permissions if self.channel_permissions is None else self.channel_permissions
        return {
            "user": {
                "id": str(self.id),
                "username": self.name,
                "discriminator": "0",
                "global_name": self.name,
                "avatar": None,
                "public_flags": 0,
            },
            "roles": [str(r) for r in roles],
            "permissions": str(channel),
            "nick": None,
            "avatar": None,
            "joined_at": "2025-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }


@dataclass
class Guild:
    id: int = field(default_factory=lambda: next(_guilds))
    channel_id: int = field(default_factory=snowflake)
    review_channel_id: int = field(default_factory=snowflake)
    mod_role_id: int = field(default_factory=snowflake)


def guild_on_shard(shard: int, count: int) -> Guild:
    """A guild whose events Discord sends to `shard` of `count` shards: (id >> 22) % count == shard.
    (Consecutive ids share their upper bits, so drawing guilds until one fits could take millions.)"""
    high = (snowflake() >> 22) // count * count + shard
    return Guild(id=(high << 22) | (next(_guilds) & ((1 << 22) - 1)))


def interaction(guild: Guild, member: Member, itype: int, data: dict, message: dict | None = None) -> dict:
    p = {
        "id": str(snowflake()),
        "application_id": str(APP_ID),
        "type": itype,
        "token": f"itok-{snowflake()}",
        "version": 1,
        "data": data,
        "guild_id": str(guild.id),
        "channel_id": str(guild.channel_id),
        "channel": {
            "id": str(guild.channel_id),
            "type": 0,
            "guild_id": str(guild.id),
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        },
        "member": member.json(),
        "app_permissions": str((1 << 11) | (1 << 14) | (1 << 10)),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": 10485760,
    }
    if message is not None:
        p["message"] = message
        p["channel_id"] = message["channel_id"]
        p["channel"]["id"] = message["channel_id"]
    return p


def slash(guild: Guild, member: Member, name: str, **options: Any) -> dict:
    types = {str: 3, bool: 5, int: 4}
    opts = [{"name": k, "type": types[type(v)], "value": v} for k, v in options.items()]
    return interaction(guild, member, 2, {"id": str(snowflake()), "name": name, "type": 1, "options": opts})


def slash_sub(guild: Guild, member: Member, group: str, sub: str, **options: Any) -> dict:
    """A subcommand of a command group (`/corrections revoke correction:3 reason:…`)."""
    types = {str: 3, bool: 5, int: 4}
    opts = [{"name": k, "type": types[type(v)], "value": v} for k, v in options.items()]
    data = {"id": str(snowflake()), "name": group, "type": 1, "options": [{"name": sub, "type": 1, "options": opts}]}
    return interaction(guild, member, 2, data)


def setup_payload(
    guild: Guild,
    member: Member,
    channel_type: int = 0,
    *,
    review: bool = True,
    role: bool = True,
    mod_log_channel_id: int | None = None,
) -> dict:
    """`/claimbot setup` with the review channel and the moderator role (either can be left out) and
    optionally a mod-log channel."""
    cid, rid = str(guild.review_channel_id), str(guild.mod_role_id)
    options = []
    if review:
        options.append({"name": "review_channel", "type": 7, "value": cid})
    if role:
        options.append({"name": "moderator_role", "type": 8, "value": rid})
    channels = {
        cid: {"id": cid, "type": channel_type, "name": "claim-review", "permissions": "0", "guild_id": str(guild.id)}
    }
    if mod_log_channel_id is not None:
        lid = str(mod_log_channel_id)
        options.append({"name": "mod_log_channel", "type": 7, "value": lid})
        channels[lid] = {"id": lid, "type": 0, "name": "mod-log", "permissions": "0", "guild_id": str(guild.id)}
    data = {
        "id": str(snowflake()),
        "name": "claimbot",
        "type": 1,
        "options": [{"name": "setup", "type": 1, "options": options}],
        "resolved": {
            "channels": channels,
            "roles": {
                rid: {
                    "id": rid,
                    "name": "fact-checkers",
                    "color": 0,
                    "hoist": False,
                    "position": 1,
                    "permissions": "0",
                    "managed": False,
                    "mentionable": True,
                    "flags": 0,
                }
            },
        },
    }
    return interaction(guild, member, 2, data)


def context_menu(guild: Guild, member: Member, content: str) -> dict:
    mid = str(snowflake())
    author = Member(name="poster").json()["user"]
    target = {
        "id": mid,
        "channel_id": str(guild.channel_id),
        "type": 0,
        "content": content,
        "author": author,
        "embeds": [],
        "components": [],
        "attachments": [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "flags": 0,
        "timestamp": discord.utils.utcnow().isoformat(),
        "edited_timestamp": None,
    }
    data = {
        "id": str(snowflake()),
        "name": "Check this claim",
        "type": 3,
        "target_id": mid,
        "resolved": {"messages": {mid: target}},
    }
    return interaction(guild, member, 2, data)


def click(guild: Guild, member: Member, message: dict, custom_id: str) -> dict:
    assert custom_id in custom_ids(message), f"{custom_id} is not on the message ({custom_ids(message)})"
    return interaction(guild, member, 3, {"custom_id": custom_id, "component_type": 2}, message=message)


def submit(guild: Guild, member: Member, modal: dict, values: list[str], message: dict | None = None) -> dict:
    """A member fills in a modal: one value per input, in order (a select's value is one of its
    options' values, as Discord's client offers no other)."""
    rows = []
    for top, v in zip(modal["components"], values, strict=False):
        inner = top["component"] if top.get("type") == 18 else top["components"][0]
        if inner["type"] == 3:
            offered = [o["value"] for o in inner["options"]]
            assert v in offered, f"{v!r} is not an option of {inner['custom_id']} ({offered})"
            answer = {"type": 3, "custom_id": inner["custom_id"], "values": [v]}
        else:
            answer = {"type": 4, "custom_id": inner["custom_id"], "value": v}
        rows.append({"type": 18, "component": answer} if top.get("type") == 18 else {"type": 1, "components": [answer]})
    return interaction(guild, member, 5, {"custom_id": modal["custom_id"], "components": rows}, message=message)


def custom_ids(message: dict) -> list[str]:
    return [
        c["custom_id"] for row in message.get("components", []) for c in row.get("components", []) if "custom_id" in c
    ]
