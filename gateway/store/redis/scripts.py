"""The Redis store's Lua scripts: each runs atomically, in one round trip. Every key is built
from the prefix passed as ARGV[1], so the scripts suit one Redis (or Sentinel), not Cluster.

Keys (after the prefix): identities (hash: identity key -> "ref|representative index"),
bound:REF (set of the identity keys bound to a customer), customer:REF, names (hash: ref ->
case-folded name), case:ID, part:ID (the case's part of the snapshot), cases:REF (set),
case-owner (hash: case id -> ref), contact:ID (hash: json, key, channel, at, decision,
notice, duration), ext:CHANNEL:EXTERNAL_ID (-> contact id), daily:KEY:DAY (hash: channel -> count),
recent:KEY (zset: "id|channel" by ms), texts:KEY (zset: "id|text" by ms), decided:KEY (zset of
decided contact ids by ms), held:ID, held-all / held-pending / held-by:KEY (zsets by ms),
flag:ID, flag-once:KEY:KIND:DAY, flag-seq, flags-all / flags-by:KEY (zsets by sequence),
notice:SENDER:CHANNEL:DAY, audit and audit:SUBJECT (lists). Changes to a customer's snapshot
are published on the channel PREFIX + "invalidate" with the customer's ref."""

from __future__ import annotations

# Reads the sender's binding and the customer's snapshot; leaves ref, representative,
# customer and parts (false, '', false, {} for an unknown sender). Only RESOLVE reads it: the hot
# path takes the snapshot from the in-process cache when it can.
_SNAPSHOT = """
local ref, representative, customer, parts = false, '', false, {}
local owner = redis.call('HGET', p .. 'identities', sender)
if owner then
  ref, representative = string.match(owner, '^(.*)|(%d*)$')
  customer = redis.call('GET', p .. 'customer:' .. ref)
  for _, case_id in ipairs(redis.call('SMEMBERS', p .. 'cases:' .. ref)) do
    local part = redis.call('GET', p .. 'part:' .. case_id)
    if part then parts[#parts + 1] = part end
  end
end
"""

RESOLVE = f"""
local p, sender = ARGV[1], ARGV[2]
{_SNAPSHOT}
return {{ref, representative, customer, parts}}
"""

# ARGV: prefix, sender, channel, external id ('' for none), new contact id, received at (ms),
# local day, contact JSON, text, then the window starts (exclusive): hour, day, week,
# scattergun, repeated; then TTLs: daily, recent, texts; the texts trim rank; the decision
# JSON; the held item's JSON without its ids ('' when not held); the notice limit ('' when no
# notice is asked for) and its TTL. Returns {key, id, earlier (HMGET of a duplicate) or false,
# notice allowed (0/1), then the counts}. A duplicate writes nothing. The first write is the
# one Redis refuses when out of memory, so a refused script has written nothing.
RECORD = """
local p, sender, channel, external = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local id, at = ARGV[5], ARGV[6]
local function counts(key, head)
  local recent = p .. 'recent:' .. key
  head[#head + 1] = redis.call('ZCOUNT', recent, '(' .. ARGV[10], at)
  head[#head + 1] = redis.call('ZCOUNT', recent, '(' .. ARGV[11], at)
  head[#head + 1] = redis.call('ZCOUNT', recent, '(' .. ARGV[12], at)
  head[#head + 1] = redis.call('ZRANGEBYSCORE', recent, '(' .. ARGV[13], at)
  head[#head + 1] = redis.call('ZREVRANGEBYSCORE', p .. 'texts:' .. key, at, '(' .. ARGV[14])
  return head
end
local owner = redis.call('HGET', p .. 'identities', sender)
local key = owner and string.match(owner, '^(.*)|%d*$') or sender
local recorded = false
if external ~= '' then
  local ext = p .. 'ext:' .. channel .. ':' .. external
  local earlier = redis.call('GET', ext)
  if earlier then
    id = earlier
    local stored = redis.call('HMGET', p .. 'contact:' .. id, 'key', 'at', 'decision', 'duration',
      'notice')
    key = stored[1] or key
    if stored[3] then return counts(key, {key, id, stored, tonumber(stored[5] or '0')}) end
    recorded = true  -- recorded, undecided, by an earlier version of the gateway
  else
    redis.call('SET', ext, id)
  end
end
local contact = p .. 'contact:' .. id
if not recorded then
  redis.call('HSET', contact, 'json', ARGV[8], 'key', key, 'channel', channel, 'at', at)
  local daily = p .. 'daily:' .. key .. ':' .. ARGV[7]
  redis.call('HINCRBY', daily, channel, 1)
  redis.call('EXPIRE', daily, ARGV[15])
  local recent = p .. 'recent:' .. key
  redis.call('ZADD', recent, at, id .. '|' .. channel)
  redis.call('ZREMRANGEBYSCORE', recent, '-inf', ARGV[12])
  redis.call('EXPIRE', recent, ARGV[16])
  if ARGV[9] ~= '' then
    local texts = p .. 'texts:' .. key
    redis.call('ZADD', texts, at, id .. '|' .. ARGV[9])
    redis.call('ZREMRANGEBYRANK', texts, 0, ARGV[18])
    redis.call('EXPIRE', texts, ARGV[17])
  end
end
local allowed = 0
if ARGV[21] ~= '' then
  local notice = p .. 'notice:' .. sender .. ':' .. channel .. ':' .. ARGV[7]
  if tonumber(redis.call('GET', notice) or '0') < tonumber(ARGV[21]) then
    redis.call('INCR', notice)
    redis.call('EXPIRE', notice, ARGV[22])
    allowed = 1
  end
end
redis.call('HSET', contact, 'decision', ARGV[19], 'notice', allowed)
redis.call('ZADD', p .. 'decided:' .. key, at, id)
if ARGV[20] ~= '' then
  local held = 'hd_' .. string.sub(id, 4)
  redis.call('SET', p .. 'held:' .. held, '{"id":"' .. held .. '","contact_id":"' .. id ..
    '","customer_key":' .. cjson.encode(key) .. ',' .. string.sub(ARGV[20], 2))
  for _, queue in ipairs({'held-all', 'held-pending', 'held-by:' .. key}) do
    redis.call('ZADD', p .. queue, at, held)
  end
end
return counts(key, {key, id, false, allowed})
"""

# ARGV: prefix, ref, customer JSON, search name, then (identity key, binding) pairs.
# Returns {identity key, owner} on a conflict (nothing written), else {}.
PUT_CUSTOMER = """
local p, ref = ARGV[1], ARGV[2]
local identities, bound = p .. 'identities', p .. 'bound:' .. ARGV[2]
for i = 5, #ARGV, 2 do
  local owner = redis.call('HGET', identities, ARGV[i])
  if owner then
    local other = string.match(owner, '^(.*)|%d*$')
    if other ~= ref then return {ARGV[i], other} end
  end
end
for _, old in ipairs(redis.call('SMEMBERS', bound)) do redis.call('HDEL', identities, old) end
redis.call('DEL', bound)
for i = 5, #ARGV, 2 do
  redis.call('HSET', identities, ARGV[i], ARGV[i + 1])
  redis.call('SADD', bound, ARGV[i])
end
redis.call('SET', p .. 'customer:' .. ref, ARGV[3])
redis.call('HSET', p .. 'names', ref, ARGV[4])
redis.call('PUBLISH', p .. 'invalidate', ref)
return {}
"""

# ARGV: prefix, case id, ref, case JSON, part ('' for a closed case). 0 if no such customer.
PUT_CASE = """
local p, id, ref = ARGV[1], ARGV[2], ARGV[3]
if redis.call('EXISTS', p .. 'customer:' .. ref) == 0 then return 0 end
local before = redis.call('HGET', p .. 'case-owner', id)
if before and before ~= ref then
  redis.call('SREM', p .. 'cases:' .. before, id)
  redis.call('PUBLISH', p .. 'invalidate', before)
end
redis.call('HSET', p .. 'case-owner', id, ref)
redis.call('SADD', p .. 'cases:' .. ref, id)
redis.call('SET', p .. 'case:' .. id, ARGV[4])
if ARGV[5] == '' then
  redis.call('DEL', p .. 'part:' .. id)
else
  redis.call('SET', p .. 'part:' .. id, ARGV[5])
end
redis.call('PUBLISH', p .. 'invalidate', ref)
return 1
"""

# ARGV: prefix, customer key, day, ttl, then (kind, flag id, flag JSON) triples.
# Returns the ids of the flags kept (the first of each kind per customer per day).
ADD_FLAGS = """
local p, key, day, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local kept = {}
for i = 5, #ARGV, 3 do
  local once = p .. 'flag-once:' .. key .. ':' .. ARGV[i] .. ':' .. day
  if redis.call('SET', once, ARGV[i + 1], 'NX', 'EX', ttl) then
    local seq = redis.call('INCR', p .. 'flag-seq')
    redis.call('SET', p .. 'flag:' .. ARGV[i + 1], ARGV[i + 2])
    redis.call('ZADD', p .. 'flags-all', seq, ARGV[i + 1])
    redis.call('ZADD', p .. 'flags-by:' .. key, seq, ARGV[i + 1])
    kept[#kept + 1] = ARGV[i + 1]
  end
end
return kept
"""

# ARGV: prefix, channel, external id, seconds. 1 if the contact is known.
SET_DURATION = """
local id = redis.call('GET', ARGV[1] .. 'ext:' .. ARGV[2] .. ':' .. ARGV[3])
if not id then return 0 end
redis.call('HSET', ARGV[1] .. 'contact:' .. id, 'duration', ARGV[4])
return 1
"""
