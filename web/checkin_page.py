"""The door page's HTML (one Jinja template, autoescaped): made for a phone held at the door."""

PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>签到 Check-in</title>
<style>
 body{font-family:"PingFang SC","Noto Sans SC","Microsoft YaHei",sans-serif;margin:0;padding:1rem;background:#faf7ef;color:#222;font-size:18px}
 main{max-width:28rem;margin:0 auto}
 h1{font-size:1.4rem;margin:.2rem 0 1rem;color:#8c6d1f}
 h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
 label{display:block;margin:.6rem 0 .2rem;font-size:.95rem;color:#555}
 input,select,button{width:100%;box-sizing:border-box;font-size:1.15rem;padding:.7rem;border-radius:.5rem;border:1px solid #cbbf9f}
 button{background:#a8842a;color:#fff;border:none;margin-top:.8rem;font-weight:bold}
 button.secondary{background:#fff;color:#8c6d1f;border:1px solid #a8842a}
 .card{background:#fff;border-radius:.8rem;padding:1rem;margin:1rem 0;box-shadow:0 1px 3px rgba(0,0,0,.1)}
 .ok{border-left:.4rem solid #3c8c4a} .error{border-left:.4rem solid #b5523b;color:#8a2f1d}
 .guest{font-size:1.5rem;font-weight:bold} .big{font-size:1.2rem} .muted{color:#666;font-size:.9rem}
</style></head><body><main>
<h1>锦鲤签到 Check-in</h1>
{% if disabled %}
 <div class="card error" id="message">签到页未启用：请设置环境变量 JINLI_STAFF_TOKEN。<br>Check-in is disabled: set JINLI_STAFF_TOKEN.</div>
{% elif not staff %}
 {% if message %}<div class="card error" id="message">{{ message }}</div>{% endif %}
 <form method="post" action="{{ url_for('checkin.login') }}" class="card">
  <label for="token">员工口令 Staff token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required>
  <button type="submit" id="login">登录 Sign in</button>
 </form>
{% else %}
 {% if result %}
 <div class="card ok" id="result">
  <div class="guest" id="guest-name">{{ result.name }}</div>
  <div class="muted">{{ result.phone }} · {{ result.tier }}{% if result.new_customer %} · 新客 new guest{% endif %}</div>
  <p class="big" id="status">{% if result.already %}已签到 already checked in{% else %}签到成功 checked in{% endif %} · {{ result.event }}</p>
  <p class="big">到访 visits: <b id="visits">{{ result.visits }}</b></p>
  <p class="big">随手礼 gift: <b id="gift">{{ result.gift }}</b> <span class="muted">({{ result.step }})</span></p>
  <p>推荐人 referred by: <b id="referrer">{{ result.referrer or "—" }}</b></p>
  {% for note in result.notes %}<p class="muted">{{ note }}</p>{% endfor %}
 </div>
 {% endif %}
 {% if message %}<div class="card error" id="message">{{ message }}</div>{% endif %}
 <form method="post" action="{{ url_for('checkin.page') }}" class="card">
  <label for="who">签到码或手机号 Code or phone</label>
  <input id="who" name="who" autocomplete="off" autocapitalize="characters" required autofocus>
  {{ event_select("event") }}
  <button type="submit" id="check-in">签到 Check in</button>
 </form>
 <h2>未邀请来宾 Walk-in</h2>
 <form method="post" action="{{ url_for('checkin.page') }}" class="card">
  <input type="hidden" name="walk_in" value="1">
  <label for="phone">手机号 Phone</label><input id="phone" name="phone" type="tel" required>
  <label for="name">姓名 Name</label><input id="name" name="name" required>
  <label for="referrer_who">推荐人 Referrer (code or phone, optional)</label><input id="referrer_who" name="referrer">
  {{ event_select("walk_event") }}
  <button type="submit" id="walk-in">登记并签到 Register &amp; check in</button>
 </form>
 <form method="post" action="{{ url_for('checkin.logout') }}"><button class="secondary" type="submit">退出 Sign out</button></form>
{% endif %}
</main></body></html>
"""

EVENT_SELECT = """{% macro event_select(id) %}
  <label for="{{ id }}">场次 Event</label>
  <select id="{{ id }}" name="event_id">
   <option value="">今天的场次 today's event</option>
   {% for e in events %}<option value="{{ e.id }}"{% if e.id == chosen %} selected{% endif %}>{{ e.label }}</option>{% endfor %}
  </select>
{% endmacro %}"""
