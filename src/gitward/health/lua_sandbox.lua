-- gitward's sandbox for Argo CD-style Lua health checks: Lua 5.1 with goto, like gopher-lua
-- (LuaJIT 2.1, or plain Lua 5.1 where lupa has no LuaJIT).
-- Loaded once per fresh LuaRuntime; returns run(source, chunkname, obj, budget, steps_per_unit).
-- The script sees only `env` below: no os, io, package, require, load*, dofile, debug,
-- collectgarbage, coroutine, getfenv/setfenv, newproxy or string.dump.

-- The JIT compiler would run loops as machine code that never calls the instruction hook.
if jit then jit.off() end

local sethook, loadstring, setfenv = debug.sethook, loadstring, setfenv
local real_find, real_match, real_gmatch, real_gsub = string.find, string.match, string.gmatch, string.gsub
local sub, byte, floor, huge = string.sub, string.byte, math.floor, math.huge

local HOOK_EVERY = 1000
local spent, budget = 0, 0
local steps_per_unit = 10
local stop = "exceeded its instruction budget (an endless loop?)"

local function exhausted()
  error(stop, 0)
end

local function count()
  spent = spent + HOOK_EVERY
  if spent > budget then
    -- From now on every instruction fails, so a pcall in the script cannot swallow the stop.
    sethook(exhausted, "", 1)
    exhausted()
  end
end

local function charge(units)
  spent = spent + units
  if spent > budget then
    stop = "exceeded its instruction budget (a string pattern too costly for its subject)"
    sethook(exhausted, "", 1)
    exhausted()
  end
end

-- Lua 5.1's classEnd: the index just after the single-character class starting at i.
local function class_end(p, i)
  local c = sub(p, i, i)
  if c == "%" then return i + 2 end
  if c == "[" then
    local j = i + 1
    if sub(p, j, j) == "^" then j = j + 1 end
    repeat
      if j > #p then error("malformed pattern (missing ']')", 3) end
      local cj = sub(p, j, j)
      j = j + 1
      if cj == "%" then j = j + 1 end
    until sub(p, j, j) == "]"
    return j + 1
  end
  return i + 1
end

local function longest_run(s, class)
  charge(floor((#s + 1) / steps_per_unit))
  local best = 0
  for run in real_gmatch(s, class .. "+") do
    if #run > best then best = #run end
  end
  return best
end

-- An upper bound of the matcher's steps: start positions x backtracking paths x work per path.
-- A quantified class can only backtrack over the longest run of subject bytes it matches.
local function pattern_cost(s, p, may_anchor)
  local n, i = #s, 1
  local paths, per_path = 1, #p + 1
  local starts = n + 1
  if may_anchor and sub(p, 1, 1) == "^" then starts, i = 1, 2 end
  while i <= #p do
    local c, nxt = sub(p, i, i), sub(p, i + 1, i + 1)
    if c == "(" or c == ")" or (c == "$" and i == #p) then
      i = i + 1
    elseif c == "%" and nxt == "b" then
      per_path, i = per_path + n, i + 4
    elseif c == "%" and nxt == "f" then
      i = class_end(p, i + 2)
    elseif c == "%" and byte(nxt) and byte(nxt) >= 48 and byte(nxt) <= 57 then
      per_path, i = per_path + n, i + 2
    else
      local e = class_end(p, i)
      local q = sub(p, e, e)
      if q == "*" or q == "+" or q == "-" then
        paths, i = paths * (longest_run(s, sub(p, i, e - 1)) + 1), e + 1
      elseif q == "?" then
        paths, i = paths * 2, e + 1
      else
        i = e
      end
    end
    if paths > 1e15 then return huge end
  end
  return starts * paths * per_path
end

local function plain_cost(s, p)
  return (#s + 1) * (#p + 1)
end

local function guard(fn, may_anchor)
  return function(s, p, init, plain, ...)
    if (type(s) == "string" or type(s) == "number") and (type(p) == "string" or type(p) == "number") then
      s, p = tostring(s), tostring(p)
      local literal = plain or not real_find(p, "[%^%$%*%+%?%.%(%)%[%]%%%-]")
      local cost = literal and plain_cost(s, p) or pattern_cost(s, p, may_anchor)
      charge(floor(cost / steps_per_unit))
    end
    return fn(s, p, init, plain, ...)
  end
end

local function copy(t)
  local out = {}
  for k, v in pairs(t) do out[k] = v end
  return out
end

local safe_string = copy(string)
safe_string.dump = nil
safe_string.find = guard(real_find, true)
safe_string.match = guard(real_match, true)
safe_string.gmatch = guard(real_gmatch, false)
safe_string.gsub = guard(real_gsub, true)
getmetatable("").__index = safe_string

local safe_math = copy(math)
-- gopher-lua keeps Lua 5.0's math.mod (Lua's own % rule); LuaJIT dropped it.
safe_math.mod = safe_math.mod or function(a, b) return a - floor(a / b) * b end

local function field(t, key)
  local v = rawget(t, key)
  if type(v) == "number" then return tostring(v) end
  return v
end

return function(source, chunkname, obj, instructions, pattern_steps_per_unit)
  budget, steps_per_unit = instructions, pattern_steps_per_unit
  if byte(source, 1) == 27 then
    return "error", "is precompiled bytecode; only Lua source is accepted"
  end
  local chunk, problem = loadstring(source, "=" .. chunkname)
  if not chunk then return "error", problem end
  local env = {
    assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs,
    pcall = pcall, xpcall = xpcall, select = select, tonumber = tonumber,
    tostring = tostring, type = type, unpack = unpack, rawequal = rawequal,
    rawget = rawget, rawset = rawset, setmetatable = setmetatable,
    getmetatable = getmetatable, print = function() end, _VERSION = _VERSION,
    string = safe_string, table = copy(table), math = safe_math, obj = obj,
  }
  env._G = env
  setfenv(chunk, env)
  sethook(count, "", HOOK_EVERY)
  local result = chunk()
  if type(result) ~= "table" then
    sethook()
    return "junk", type(result)
  end
  local status, message = field(result, "status"), field(result, "message")
  sethook()
  return "ok", status, message
end
