-- wrk script of bench/ingest/run.py: one script for every path, chosen by the PATH_KIND environment variable.
-- Data (device cookies, poster codes, gate scans) come from data.lua written by run.py next to this file.
-- Each thread counts its answers by status and the acknowledged check-ins it saw in the bodies; done()
-- prints them as one JSON line ("WRKJSON {...}") that run.py reads.

local kind = os.getenv("PATH_KIND")
local data_file = os.getenv("BENCH_DATA")
local threads = {}
local counter = 0
nthreads = tonumber(os.getenv("WRK_THREADS") or "2")

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local function uuid4()
  local t = {}
  for i = 1, 16 do t[i] = math.random(0, 255) end
  t[7] = (t[7] % 16) + 64   -- version 4
  t[9] = (t[9] % 64) + 128  -- RFC 4122 variant
  local hex = {}
  for i = 1, 16 do hex[i] = string.format("%02x", t[i]) end
  local s = table.concat(hex)
  return s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16) .. "-" .. s:sub(17, 20) .. "-" .. s:sub(21, 32)
end

local function iso_now()
  return os.date("!%Y-%m-%dT%H:%M:%SZ")
end

function init(args)
  dofile(data_file)  -- defines D = {cookies=..., codes=..., gates=..., scans=..., session=..., csrf=...}
  math.randomseed(os.time() * 1000 + tid * 7919 + math.floor(os.clock() * 1e6))
  n = 0
  statuses = {}
  acked = 0
  ncookies = #D.cookies
  ncodes = #D.codes
  -- gates: this thread's persons of each gate, taken in turn so a person comes back as late as possible
  -- (a second scan of the same person within 5 s is a "repeat" and writes nothing).
  slices = {}
  for g = 1, #D.gates do slices[g] = {} end
  local seen = {}
  for _, scan in ipairs(D.scans) do
    local g = scan[1] + 1
    seen[g] = (seen[g] or 0) + 1
    if (seen[g] % nthreads) == (tid - 1) then   -- each gate's persons dealt to the threads in turn
      table.insert(slices[g], {scan[2], scan[3], "in"})
    end
  end
  pos = {}
  -- a random place in each list: a second round does not start with the persons the first left inside
  for g = 1, #D.gates do pos[g] = math.random(1, #slices[g]) end
end

local function cookie_of(i)
  return "ravao_device=" .. D.cookies[(i % ncookies) + 1] .. "; csrftoken=" .. D.csrf
end

function request()
  n = n + 1
  local who = (tid - 1) * 100003 + n   -- threads walk the devices from different places
  local code = D.codes[math.random(1, ncodes)]
  if kind == "trivial" then
    return wrk.format("GET", "/_bench/ok")
  elseif kind == "insert" then
    return wrk.format("POST", "/_bench/insert", {["Content-Length"] = "0"}, "")
  elseif kind == "api" then
    local body = '{"poster_code": "' .. code .. '", "client_id": "' .. uuid4() .. '"}'
    return wrk.format("POST", "/api/v1/checkins", {
      ["Cookie"] = cookie_of(who), ["X-CSRFToken"] = D.csrf, ["Content-Type"] = "application/json",
    }, body)
  elseif kind == "landing" then
    return wrk.format("GET", "/v/" .. code, {["Cookie"] = cookie_of(who), ["Accept-Encoding"] = "gzip"})
  elseif kind == "html" then
    local body = "csrfmiddlewaretoken=" .. D.csrf .. "&client_id=" .. uuid4() .. "&action=checkin"
    return wrk.format("POST", "/v/" .. code, {
      ["Cookie"] = cookie_of(who), ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Accept-Encoding"] = "gzip",
    }, body)
  elseif kind == "gate" then
    local g = (n % #D.gates) + 1
    local slice = slices[g]
    local items = {}
    local at = iso_now()
    for k = 1, 200 do
      local p = slice[pos[g]]
      pos[g] = (pos[g] % #slice) + 1
      items[k] = '{"client_id": "' .. uuid4() .. '", "kind": "' .. p[1] .. '", "payload": "' .. p[2]
        .. '", "direction": "' .. p[3] .. '", "area": null, "scanned_at": "' .. at .. '"}'
      p[3] = (p[3] == "in") and "out" or "in"   -- the next scan of this person is the way back
    end
    return wrk.format("POST", "/gate/" .. D.gates[g] .. "/sync", {
      ["Cookie"] = "sessionid=" .. D.session .. "; csrftoken=" .. D.csrf, ["X-CSRFToken"] = D.csrf,
      ["Content-Type"] = "application/json",
    }, '{"scans": [' .. table.concat(items, ", ") .. "]}")
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if kind == "gate" and status == 200 then
    local _, c = string.gsub(body, '"outcome": "checked_in"', "")
    acked = acked + c
  elseif (kind == "api" and status == 201) or (kind == "html" and status == 200) or (kind == "insert" and status == 201) then
    acked = acked + 1
  end
end

function done(summary, latency, requests)
  local total = {}
  local acked_all = 0
  for _, thread in ipairs(threads) do
    local st = thread:get("statuses")
    for code, count in pairs(st) do total[tostring(code)] = (total[tostring(code)] or 0) + count end
    acked_all = acked_all + thread:get("acked")
  end
  local parts = {}
  for code, count in pairs(total) do table.insert(parts, '"' .. code .. '": ' .. count) end
  io.write('WRKJSON {"statuses": {' .. table.concat(parts, ", ") .. '}, "acked": ' .. acked_all
    .. ', "p50_us": ' .. latency:percentile(50) .. ', "p99_us": ' .. latency:percentile(99)
    .. ', "requests": ' .. summary.requests .. ', "duration_us": ' .. summary.duration .. '}\n')
end
