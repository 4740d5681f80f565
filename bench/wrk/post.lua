-- wrk -s bench/wrk/post.lua URL -- <path> <bearer token or -> <8-hex run prefix>
-- POSTs a distinct report each time (new id, so never a replay): a penertiban with a
-- point inside a zone of the sample kecamatan, two photos to follow.
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
require("common")

function init(args)
  path, prefix = args[1], args[3]
  math.randomseed(os.time() * 100 + tid)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[2] ~= "-" then
    wrk.headers["Authorization"] = "Bearer " .. args[2]
  end
end

local BODY = '{"id":"%s","type":"penertiban","started_at":"2024-05-02T08:15:00+07:00",' ..
  '"ended_at":"2024-05-02T09:00:00+07:00",' ..
  '"location":{"type":"Point","coordinates":[106.9790,-6.2072]},"accuracy_m":8,' ..
  '"findings":[{"kind":"pkl","count":3}],"actions":[{"kind":"teguran_lisan","count":3}],' ..
  '"photos_expected":2,"notes":"Pedagang di trotoar ditegur"}'

function request()
  return wrk.format(nil, path, nil, string.format(BODY, next_uuid(prefix)))
end
