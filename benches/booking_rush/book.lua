-- wrk script: every request books a place for a new person (a mobile number no request used
-- before). `spread` mode walks every open slot in turn, as when a week's slots are released;
-- `hot` mode sends everyone to one slot. Counts the answers by status in each thread.
-- Usage: wrk ... -s book.lua URL -- SLOTS_FILE spread|hot
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  slots = {}
  for line in io.lines(args[1]) do
    local service, date, start = line:match("^(%S+) (%S+) (%S+)$")
    if service then table.insert(slots, { service, date, start }) end
  end
  if args[2] == "hot" then slots = { slots[1] } end
  counter = 0
  created, full, other = 0, 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local slot = slots[(counter + id * 7) % #slots + 1]
  local phone = string.format("13%d%08d", id % 10, counter)
  local body = string.format('{"service":"%s","date":"%s","start":"%s","name":"压测","phone":"%s"}',
    slot[1], slot[2], slot[3], phone)
  return wrk.format(nil, nil, nil, body)
end

function response(status)
  if status == 201 then created = created + 1
  elseif status == 409 then full = full + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local c, f, o = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created"); f = f + t:get("full"); o = o + t:get("other")
  end
  io.write(string.format("answers: 201=%d 409=%d other=%d\n", c, f, o))
end
