-- wrk -s bench/wrk/photo.lua URL -- <mode api|floor> <bearer token or -> <8-hex prefix>
--                                   <photo file> <report ids file> <wrk threads>
-- PUTs one photo (the same phone JPEG) under a new photo id each time. api: to the
-- reports listed in the ids file, each thread its own share, round robin (a report takes
-- up to 10 photos; bench/post.py gives each run enough fresh reports); floor: to a file.
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
require("common")

function init(args)
  mode, prefix = args[1], args[3]
  math.randomseed(os.time() * 100 + tid)
  local f = assert(io.open(args[4], "rb"))
  photo = f:read("*a")
  f:close()
  reports = {}
  local nthreads, i = tonumber(args[6]), 0
  if mode == "api" then
    for line in io.lines(args[5]) do
      if i % nthreads == tid - 1 then
        reports[#reports + 1] = line
      end
      i = i + 1
    end
  end
  wrk.method = "PUT"
  wrk.headers["Content-Type"] = "image/jpeg"
  if args[2] ~= "-" then
    wrk.headers["Authorization"] = "Bearer " .. args[2]
  end
end

function request()
  local id = next_uuid(prefix)
  local path
  if mode == "api" then
    local r = reports[(counter - 1) % #reports + 1]
    path = "/api/v1/reports/" .. r .. "/photos/" .. id
  else
    path = "/photo/" .. id
  end
  return wrk.format(nil, path, nil, photo)
end
