-- One wrk scenario for `make bench`, configured by environment variables:
--   BENCH_TOKEN  bearer token for the Authorization header (empty: none)
--   BENCH_MODE   "get" (the URL as given) or "create" (POST a new ticket per request)
-- done() prints one line "BENCH_JSON {...}" that bench/run.py parses.

local token = os.getenv("BENCH_TOKEN") or ""
local mode = os.getenv("BENCH_MODE") or "get"

if token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
wrk.headers["Accept"] = "application/json"

local titles = {
  "教学楼多媒体设备经常故障，影响正常上课",
  "建议延长图书馆自习室开放时间",
  "研究生课程选课系统高峰期无法登录",
  "期末考试安排过于集中，希望适当调整",
}
local contents = {
  "本学期以来，第三教学楼多间教室的投影仪和扩音设备多次出现故障，"
    .. "老师不得不临时调换教室，学生意见较大。希望教务处尽快安排检修，并建立定期巡检机制。",
  "考试周期间自习室座位紧张，晚上十点闭馆后学生无处学习。"
    .. "建议在考试周将部分自习室开放至晚上十二点，并增加值班安排。",
  "每学期选课开始后的前两个小时系统响应极慢，页面经常报错，"
    .. "不少同学因此没有选上必修课程。希望扩容服务器或实行分批选课。",
  "本学期部分专业的期末考试集中在三天之内，学生复习压力很大。"
    .. "建议统筹安排考试时间，相邻两门考试之间至少间隔一天。",
}

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  counter = 0
  if mode == "create" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end
end

-- Only creation builds each request (a new title each time); a GET is built once by wrk.
if mode == "create" then
  request = function()
    counter = counter + 1
    local i = counter % #titles + 1
    local body = string.format(
      '{"title":"%s（%d-%d）","content":"%s","urgency":"normal","anonymity":"department"}',
      titles[i], thread_id or 0, counter, contents[i]
    )
    return wrk.format(nil, nil, nil, body)
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local non_2xx = 0
  local by_status = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      by_status[status] = (by_status[status] or 0) + n
      if status < 200 or status > 299 then
        non_2xx = non_2xx + n
      end
    end
  end
  local parts = {}
  for status, n in pairs(by_status) do
    table.insert(parts, string.format('"%d":%d', status, n))
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_s":%.3f,"rps":%.2f,"latency_ms":'
      .. '{"p50":%.2f,"p90":%.2f,"p99":%.2f,"max":%.2f},"non_2xx":%d,"statuses":{%s},'
      .. '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3,
    non_2xx, table.concat(parts, ","),
    e.connect, e.read, e.write, e.timeout
  ))
end
