// In-app 免登: ask the DingTalk (dd) or Feishu (tt) client for an auth code and post it.
(function () {
  "use strict";
  var form = document.getElementById("inapp-form");
  var status = document.getElementById("inapp-status");
  if (!form) { return; }
  function submit(code) {
    document.getElementById("inapp-code").value = code;
    form.submit();
  }
  function outside() { status.textContent = status.dataset.outside; }
  var platform = form.dataset.platform;
  // The DingTalk JS-API (vendored) says whether it runs inside the DingTalk client.
  var inDingTalk = window.dd && dd.runtime && !(dd.env && dd.env.platform === "notInDingTalk");
  if (platform === "dingtalk" && inDingTalk) {
    dd.ready(function () {
      dd.runtime.permission.requestAuthCode({
        corpId: form.dataset.corpId,
        onSuccess: function (result) { submit(result.code); },
        onFail: outside
      });
    });
  } else if (platform === "feishu" && window.tt && tt.requestAuthCode) {
    tt.requestAuthCode({
      appId: form.dataset.appId,
      success: function (result) { submit(result.code); },
      fail: outside
    });
  } else {
    outside();
  }
})();
