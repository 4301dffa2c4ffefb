-- wrk script: each wrk thread is one window's staff member on one connection, working as fast
-- as the server answers. After each call-next that calls a ticket, the mode's steps follow:
--   no-show: mark it no-show (the shortest loop the lifecycle allows);
--   serve:   start, then finish (a taxpayer served).
-- Counts calls (call-next answered with a ticket), empty calls (nobody waiting), the steps
-- after calls, and anything else.
-- Usage: wrk -tN -cN ... -s windows.lua URL -- no-show|serve ID:TOKEN ...
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local window, token = args[2 + id]:match("^(%d+):(.+)$")
  local base = "/api/v1/windows/" .. window .. "/"
  call_path = base .. "call-next"
  steps = {}
  if args[1] == "serve" then steps = { base .. "start", base .. "finish" } else steps = { base .. "no-show" } end
  wrk.headers["Authorization"] = "Bearer " .. token
  step = 0 -- 0: the next request is a call; k: the k-th step after it
  calls, empty, after, other = 0, 0, 0, 0
end

function request()
  if step == 0 then return wrk.format("POST", call_path) end
  return wrk.format("POST", steps[step])
end

function response(status, headers, body)
  if status ~= 200 then
    other = other + 1
    step = 0
  elseif step > 0 then
    after = after + 1
    step = step % #steps + 1
    if step == 1 then step = 0 end
  elseif body:find('"ticket":null', 1, true) then
    empty = empty + 1
  else
    calls = calls + 1
    step = 1
  end
end

function done(summary, latency, requests)
  local c, e, a, o = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("calls"); e = e + t:get("empty"); a = a + t:get("after"); o = o + t:get("other")
  end
  io.write(string.format("answers: calls=%d empty=%d steps=%d other=%d\n", c, e, a, o))
end
