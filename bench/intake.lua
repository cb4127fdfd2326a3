-- wrk script for the intake benchmark: every request carries a report never sent before.
--
--   wrk -s bench/intake.lua URL -- KIND SEED TOKEN [QUEUE [RATE THREADS]]
--
-- KIND raw       a ~3 KB raw spam as message/rfc822 (the desk's partner API)
--      helpdesk  the same spam as a django-helpdesk ticket (JSON, description = the spam)
--      row       a 2 KB JSON row (the bare DRF insert)
-- SEED makes bodies unique across runs (bench/intake.py passes time and pid); each wrk
-- thread adds its number and a counter, so no body repeats and the idempotent-replay
-- path is never what is measured. done() prints one JSON line with the figures.
-- RATE (requests per second over all THREADS, optional): each thread paces its
-- connections to its share of it (a steady offered load instead of as fast as the
-- server answers); a slot missed because the server was slow is not made up later.

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local kind, seed, token, queue
local counter = 0
local interval, next_at = nil, 0  -- pacing (RATE): ms between this thread's requests

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *ts);
]]
local clock = ffi.new("bench_timespec")

local function now_ms()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end
local words = {"cheap", "pills", "offer", "limited", "discount", "watches", "replica", "winner",
  "claim", "prize", "urgent", "account", "verify", "bonus", "casino", "loan", "approved",
  "credit", "free", "shipping", "today", "only", "click", "below", "unsubscribe", "best"}

c200, c201, c202, cother = 0, 0, 0, 0

function init(args)
  kind, seed, token, queue = args[1], args[2], args[3], args[4]
  local rate, threads = tonumber(args[5] or ""), tonumber(args[6] or "")
  if rate and rate > 0 and threads then
    interval = 1000 * threads / rate
  end
end

function delay()
  if not interval then return 0 end
  local now = now_ms()
  if next_at < now then next_at = now end
  local wait = next_at - now
  next_at = next_at + interval
  return wait
end

local function filler(n, bytes)
  local parts, size, x = {}, 0, n
  while size < bytes do
    local line = {}
    for _ = 1, 10 do
      x = (x * 1103515245 + 12345) % 2147483648
      line[#line + 1] = words[x % #words + 1]
    end
    local text = table.concat(line, " ")
    parts[#parts + 1] = text
    size = size + #text + 1
  end
  return table.concat(parts, "\n")
end

local function spam(n)
  local id = string.format("%s-%d-%d", seed, tid, n)
  local ip = string.format("198.51.100.%d", (n * 7 + tid) % 254 + 1)
  local now = os.date("!%a, %d %b %Y %H:%M:%S +0000")
  local head = table.concat({
    "Return-Path: <sale" .. n .. "@spammer.example>",
    "Received: from pc-" .. n .. " (unknown [" .. ip .. "]) by mx.receiver.example (Postfix) with ESMTP id "
      .. id .. "; " .. now,
    "From: Sale <sale@spammer.example>",
    "To: victim" .. (n % 97) .. "@receiver.example",
    "Subject: Limited offer " .. id,
    "Date: " .. now,
    "Message-ID: <" .. id .. "@spammer.example>",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Buy now at http://shop" .. (n % 50) .. ".spam.example/offer/" .. id,
    "",
  }, "\r\n")
  return head .. filler(n + tid * 1000003, 3072 - #head - 2) .. "\r\n"
end

local function json_text(text)
  return (text:gsub("\r", "\\r"):gsub("\n", "\\n"))
end

function request()
  counter = counter + 1
  local headers = {["Authorization"] = "Token " .. token}
  local body
  if kind == "raw" then
    headers["Content-Type"] = "message/rfc822"
    body = spam(counter)
  elseif kind == "helpdesk" then
    headers["Content-Type"] = "application/json"
    local raw = spam(counter)
    body = '{"queue": ' .. queue .. ', "title": "Spam report ' .. seed .. "-" .. tid .. "-" .. counter
      .. '", "priority": 3, "submitter_email": "reporter@receiver.example", "description": "' .. json_text(raw) .. '"}'
  else
    headers["Content-Type"] = "application/json"
    body = '{"body": "' .. seed .. "-" .. tid .. "-" .. counter .. " " .. json_text(filler(counter, 2048)) .. '"}'
  end
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  if status == 201 then c201 = c201 + 1
  elseif status == 200 then c200 = c200 + 1
  elseif status == 202 then c202 = c202 + 1
  else cother = cother + 1 end
end

function done(summary, latency, requests)
  local s = {c200 = 0, c201 = 0, c202 = 0, cother = 0}
  for _, t in ipairs(threads) do
    for k, _ in pairs(s) do s[k] = s[k] + t:get(k) end
  end
  io.write(string.format(
    'WRK-JSON {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, '
      .. '"max_ms": %.2f, "socket_errors": %d, "status_200": %d, "status_201": %d, "status_202": %d, '
      .. '"status_other": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    s.c200, s.c201, s.c202, s.cother))
end
