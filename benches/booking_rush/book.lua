-- wrk script: every request books a place for a new person (a mobile number no request used
-- before). `spread` mode walks every open slot in turn, as when a week's slots are released;
-- `hot` mode sends everyone to one slot. `scarce` mode sends exactly ATTEMPTS requests, spread
-- over the first slots that hold PLACES places between them (so the places are far fewer than
-- the people); a thread that has sent its share sends nothing more, and once its answers are in
-- it stops and creates DONE_FILE-ID so the caller can end wrk (SIGINT) without waiting out -d.
-- Counts the answers by status in each thread.
-- Usage: wrk ... -s book.lua URL -- SLOTS_FILE spread|hot|scarce [ATTEMPTS PLACES THREADS DONE_FILE]
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
    local service, date, start, places = line:match("^(%S+) (%S+) (%S+) (%d+)$")
    if service then table.insert(slots, { service, date, start, tonumber(places) }) end
  end
  if args[2] == "hot" then slots = { slots[1] } end
  quota = nil
  if args[2] == "scarce" then
    local wanted, places, chosen = tonumber(args[4]), 0, {}
    for _, slot in ipairs(slots) do
      if places >= wanted then break end
      table.insert(chosen, slot)
      places = places + slot[4]
    end
    slots = chosen
    -- This thread's share of the attempts (the first threads take the remainder).
    local attempts, thread_count = tonumber(args[3]), tonumber(args[5])
    done_file = args[6] .. "-" .. id
    quota = math.floor(attempts / thread_count) + ((id < attempts % thread_count) and 1 or 0)
  end
  -- wrk calls the first thread's request() once before the run, to check the request: that
  -- call must not count as one of the thread's attempts.
  counter = (quota and id == 0) and -1 or 0
  answered = 0
  created, full, other = 0, 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  if quota and counter >= quota then
    -- Share sent: an empty write keeps this connection quiet until the thread stops.
    return ""
  end
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
  answered = answered + 1
  if quota and answered == quota then
    io.open(done_file, "w"):close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local c, f, o = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created"); f = f + t:get("full"); o = o + t:get("other")
  end
  io.write(string.format("answers: 201=%d 409=%d other=%d\n", c, f, o))
end
