using DistillKit.Viz;
using DistillKit.Viz.Display;
using System.Globalization;
using Plotly.NET;

namespace DistillKit.Viz.Plots;

/// <summary>
/// A training curve that grows while a loop runs: log entries (a step and named terms such as "loss", "census", "ψ")
/// become one line per term against the step, redrawn every <see cref="UpdateEvery"/> entries, but not more often than
/// every <see cref="MinInterval"/> (a redraw serialises the whole figure, about 0.1 s; a fast loop should train, not
/// draw). Made with
/// <see cref="Show"/> in a notebook, the chart is shown once and then updated in place (a live plot in VS Code and
/// Jupyter; the final curve in an executed notebook or report). Outside a kernel, or made with the constructor, it only
/// collects: <see cref="ToChart"/> gives the chart at any time. Takes plain values (step, name → value), so any loop
/// or trainer callback can feed it. Terms may start late or skip entries (e.g. a held-out EPE every 50 steps).
/// Safe to feed from another thread.
/// </summary>
public sealed class LossCurve
{
    readonly object _gate = new();
    readonly List<string> _terms = [];
    readonly Dictionary<string, (List<double> Steps, List<double> Values)> _series = [];
    readonly Action<GenericChart>? _onUpdate;
    readonly System.Diagnostics.Stopwatch _sinceRedraw = System.Diagnostics.Stopwatch.StartNew();
    int _pending; // entries since the last redraw
    Action<object>? _display;

    /// <summary>
    /// A curve that collects entries; <paramref name="onUpdate"/>, when given, receives the redrawn chart every
    /// <paramref name="updateEvery"/> entries (at most once per <paramref name="minInterval"/>, default 1 s) and at
    /// <see cref="Refresh"/>.
    /// </summary>
    public LossCurve(string? title = null, string xTitle = "step", string? yTitle = null, int updateEvery = 10, bool logY = false,
        Action<GenericChart>? onUpdate = null, TimeSpan? minInterval = null)
    {
        if (updateEvery < 1) throw new ArgumentOutOfRangeException(nameof(updateEvery), $"must be at least 1, got {updateEvery}");
        (Title, XTitle, YTitle, UpdateEvery, LogY, _onUpdate) = (title, xTitle, yTitle, updateEvery, logY, onUpdate);
        MinInterval = minInterval ?? TimeSpan.FromSeconds(1);
        if (MinInterval < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(minInterval), "must not be negative");
    }

    /// <summary>
    /// Shows an empty curve as an output of the running notebook cell and returns it; every
    /// <paramref name="updateEvery"/> entries (at most once per <paramref name="minInterval"/>, default 1 s) and at
    /// <see cref="Refresh"/>, that output is replaced by the current chart, from this cell or a later one. Outside a
    /// notebook kernel the curve only collects (<see cref="IsShown"/> is false).
    /// </summary>
    public static LossCurve Show(string? title = null, string xTitle = "step", string? yTitle = null, int updateEvery = 10, bool logY = false,
        TimeSpan? minInterval = null)
    {
        var curve = new LossCurve(title, xTitle, yTitle, updateEvery, logY, minInterval: minInterval);
        curve._display = NotebookDisplay.Show(curve.ToChart());
        return curve;
    }

    public string? Title { get; }
    public string XTitle { get; }
    public string? YTitle { get; }
    public bool LogY { get; }

    /// <summary>The chart is redrawn after every this many entries...</summary>
    public int UpdateEvery { get; }

    /// <summary>...but not sooner than this after the previous redraw (<see cref="Refresh"/> always redraws).</summary>
    public TimeSpan MinInterval { get; }

    /// <summary>Whether the curve is shown in a notebook (and updated there).</summary>
    public bool IsShown => _display is not null;

    /// <summary>Entries added so far.</summary>
    public int Entries { get; private set; }

    /// <summary>Times the chart was redrawn and handed to the notebook output or the update callback.</summary>
    public int Updates { get; private set; }

    /// <summary>The term names, in the order first logged.</summary>
    public IReadOnlyList<string> Terms { get { lock (_gate) return _terms.ToArray(); } }

    /// <summary>The steps and values logged for one term (copies).</summary>
    public (IReadOnlyList<double> Steps, IReadOnlyList<double> Values) Series(string term)
    {
        lock (_gate)
        {
            var (steps, values) = _series.TryGetValue(term, out var s) ? s : throw new KeyNotFoundException($"no term '{term}' logged; terms: {string.Join(", ", _terms)}");
            return (steps.ToArray(), values.ToArray());
        }
    }

    /// <summary>The last value logged for a term.</summary>
    public double Last(string term) => Series(term).Values[^1];

    /// <summary>Logs the terms of one step (one point per term); redraws once <see cref="UpdateEvery"/> entries have come
    /// since the last redraw and <see cref="MinInterval"/> has passed.</summary>
    public void Add(long step, IReadOnlyDictionary<string, double> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        Add(step, terms.Select(kv => (kv.Key, kv.Value)).ToArray());
    }

    /// <summary>Logs named terms of one step, e.g. <c>curve.Add(step, ("loss", l), ("EPE", e))</c>.</summary>
    public void Add(long step, params (string Term, double Value)[] terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        bool redraw;
        lock (_gate)
        {
            foreach (var (term, value) in terms)
            {
                ArgumentNullException.ThrowIfNull(term);
                if (!_series.TryGetValue(term, out var s))
                {
                    _series[term] = s = ([], []);
                    _terms.Add(term);
                }
                s.Steps.Add(step);
                s.Values.Add(value);
            }
            Entries++;
            redraw = ++_pending >= UpdateEvery && _sinceRedraw.Elapsed >= MinInterval;
        }
        if (redraw) Refresh();
    }

    /// <summary>Redraws now (e.g. after the loop, so the shown curve holds the last entries too).</summary>
    public void Refresh()
    {
        if (_display is null && _onUpdate is null) return;
        var chart = ToChart();
        lock (_gate)
        {
            Updates++;
            _pending = 0;
            _sinceRedraw.Restart();
        }
        _display?.Invoke(chart);
        _onUpdate?.Invoke(chart);
    }

    /// <summary>The chart of everything logged so far: one line per term against the step (<see cref="Charts"/>.Lines, x values per series).</summary>
    public GenericChart ToChart()
    {
        var series = new Dictionary<string, (IReadOnlyList<double> X, IReadOnlyList<double> Y)>();
        lock (_gate)
            foreach (var t in _terms)
                series[t] = (_series[t].Steps.ToArray(), _series[t].Values.ToArray());
        return Charts.Lines(series, Title, XTitle, YTitle, LogY);
    }

    /// <summary>"LossCurve: N entries; term last-value, ...".</summary>
    public override string ToString()
    {
        lock (_gate)
            return $"LossCurve: {Entries} entries" + string.Concat(_terms.Select(t =>
                "; " + t + " " + _series[t].Values[^1].ToString("0.####", CultureInfo.InvariantCulture)));
    }
}
