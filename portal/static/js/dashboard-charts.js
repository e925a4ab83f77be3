// The dashboard's charts, drawn with the vendored Chart.js (static/vendor/chartjs) from the
// JSON data block each canvas names in data-chart. Every chart has a table of the same
// figures beside it: without JavaScript the figure stays hidden and the tables say it all.
(function () {
  "use strict";
  if (typeof Chart === "undefined") {
    return;
  }
  var lang = document.documentElement.lang || "vi";
  var percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 });
  var count = new Intl.NumberFormat(lang);
  // Colours that keep a 3:1 contrast against white and differ for colour-blind readers too.
  var LEVEL_COLOURS = {
    very_satisfied: "#1b6e3c",
    satisfied: "#7cb342",
    dissatisfied: "#b3261e",
  };
  var BLUE = "#1d4f91";
  var ORANGE = "#c25e00";
  var ROW_HEIGHT = 28; // pixels per bar of a horizontal chart

  Chart.defaults.animation = false;
  Chart.defaults.locale = lang;
  Chart.defaults.color = "#222";
  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;

  function shareAxis(extra) {
    var axis = {
      min: 0,
      max: 1,
      ticks: {
        callback: function (value) {
          return percent.format(value);
        },
      },
    };
    return Object.assign(axis, extra || {});
  }

  function tooltip(format) {
    return {
      callbacks: {
        label: function (context) {
          var value = context.parsed[context.chart.options.indexAxis === "y" ? "x" : "y"];
          var formatted = value === null ? "—" : format(context.dataset, value);
          return context.dataset.label + ": " + formatted;
        },
      },
    };
  }

  var builders = {
    // Ratings per month as bars and the satisfaction rate as a line on a 0–100 % axis.
    trend: function (data) {
      var ratings = data.series[0];
      var rate = data.series[1];
      return {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [
            { type: "bar", label: ratings.label, data: ratings.values, yAxisID: "y", backgroundColor: BLUE, order: 2 },
            {
              type: "line",
              label: rate.label,
              data: rate.values,
              yAxisID: "share",
              borderColor: ORANGE,
              backgroundColor: ORANGE,
              spanGaps: false,
              order: 1,
              isShare: true,
            },
          ],
        },
        options: {
          scales: {
            y: { beginAtZero: true, position: "left", ticks: { precision: 0 } },
            share: shareAxis({ position: "right", grid: { drawOnChartArea: false } }),
          },
          plugins: {
            tooltip: tooltip(function (dataset, value) {
              return dataset.isShare ? percent.format(value) : count.format(value);
            }),
          },
        },
      };
    },
    // Ratings of each level per procedure, stacked horizontal bars.
    levels: function (data) {
      return {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: data.series.map(function (series) {
            return { label: series.label, data: series.values, backgroundColor: LEVEL_COLOURS[series.level] };
          }),
        },
        options: {
          indexAxis: "y",
          scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
          plugins: {
            tooltip: tooltip(function (dataset, value) {
              return count.format(value);
            }),
          },
        },
        rows: data.labels.length,
      };
    },
    // The satisfaction rate of each ward, horizontal bars on a 0–100 % axis.
    wards: function (data) {
      var rate = data.series[0];
      return {
        type: "bar",
        data: { labels: data.labels, datasets: [{ label: rate.label, data: rate.values, backgroundColor: BLUE }] },
        options: {
          indexAxis: "y",
          scales: { x: shareAxis() },
          plugins: {
            legend: { display: false },
            tooltip: tooltip(function (dataset, value) {
              return percent.format(value);
            }),
          },
        },
        rows: data.labels.length,
      };
    },
  };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    var figure = canvas.closest("figure");
    var data = source ? JSON.parse(source.textContent) : null;
    var build = data && builders[data.kind];
    if (!build || !figure || data.labels.length === 0) {
      return;
    }
    var config = build(data);
    if (config.rows) {
      // A horizontal chart grows with its bars; a style property set from script is allowed
      // by the page's CSP (inline style attributes are not).
      canvas.parentElement.style.height = Math.max(160, config.rows * ROW_HEIGHT + 80) + "px";
      delete config.rows;
    }
    figure.hidden = false;
    new Chart(canvas, config); // eslint-disable-line no-new
  });
})();
