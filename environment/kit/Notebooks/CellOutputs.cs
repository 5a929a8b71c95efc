using System.Text;
using System.Text.Json.Nodes;

namespace DistillKit.Cli.Notebooks;

/// <summary>
/// Collects one cell's outputs in the order they happen: console text (consecutive writes to one stream merge
/// into one <c>stream</c> output), <c>display_data</c>, <c>execute_result</c>, <c>error</c>. Thread-safe;
/// once closed (cell finished or timed out) later writes from a runaway cell are dropped.
/// </summary>
public sealed class CellOutputs
{
    readonly object gate = new();
    readonly List<object> items = []; // StreamText or JsonObject
    readonly TextWriter? echo;
    readonly string echoPrefix;
    bool closed, atLineStart = true;

    /// <param name="echo">Where console text is also written as it happens (long cells show progress), or null.</param>
    /// <param name="echoPrefix">Put before each echoed line, e.g. <c>[01-teacher] </c>.</param>
    public CellOutputs(TextWriter? echo = null, string echoPrefix = "")
    {
        this.echo = echo;
        this.echoPrefix = echoPrefix;
    }

    sealed record StreamText(string Name, StringBuilder Text);

    /// <summary>Appends text to the <c>stdout</c> or <c>stderr</c> stream.</summary>
    public void Write(string stream, string text)
    {
        if (text.Length == 0) return;
        lock (gate)
        {
            if (closed) return;
            if (items.Count > 0 && items[^1] is StreamText last && last.Name == stream) last.Text.Append(text);
            else items.Add(new StreamText(stream, new StringBuilder(text)));
            if (echo is not null) Echo(text);
        }
    }

    void Echo(string text)
    {
        var sb = new StringBuilder();
        foreach (var ch in text)
        {
            if (atLineStart) sb.Append(echoPrefix);
            sb.Append(ch);
            atLineStart = ch == '\n';
        }
        echo!.Write(sb.ToString());
        echo.Flush();
    }

    /// <summary>Appends a finished nbformat output object.</summary>
    public void Add(JsonObject output)
    {
        lock (gate)
            if (!closed) items.Add(output);
    }

    /// <summary>Replaces an output added earlier (a display being updated); ignored once the cell is closed.</summary>
    public void Replace(JsonObject previous, JsonObject next)
    {
        lock (gate)
        {
            if (closed) return;
            int i = items.IndexOf(previous);
            if (i >= 0) items[i] = next;
        }
    }

    /// <summary>Stops collecting and returns the outputs as an nbformat <c>outputs</c> array.</summary>
    public JsonArray Close()
    {
        lock (gate)
        {
            closed = true;
            return new JsonArray(items.Select(i => (JsonNode?)(i switch
            {
                StreamText s => new JsonObject { ["output_type"] = "stream", ["name"] = s.Name, ["text"] = s.Text.ToString() },
                _ => (JsonObject)i,
            })).ToArray());
        }
    }

    /// <summary>An nbformat <c>error</c> output.</summary>
    public static JsonObject Error(string ename, string evalue, IEnumerable<string> traceback) => new()
    {
        ["output_type"] = "error",
        ["ename"] = ename,
        ["evalue"] = evalue,
        ["traceback"] = new JsonArray(traceback.Select(l => (JsonNode?)l).ToArray()),
    };
}

/// <summary>
/// Routes <see cref="Console"/> output to the cell whose code is running in the current async flow: installed once per
/// process, so notebooks running side by side (tests, or a runaway timed-out cell) never take each other's output, and
/// writes from any other code go to the real console.
/// </summary>
static class ConsoleRouter
{
    static readonly AsyncLocal<CellOutputs?> Current = new();
    static readonly object Gate = new();
    static bool installed;

    /// <summary>Directs this async flow's console output (and that of tasks it starts) to <paramref name="outputs"/>.</summary>
    public static void Route(CellOutputs? outputs)
    {
        lock (Gate)
        {
            if (!installed)
            {
                Console.SetOut(new RoutingWriter("stdout", Console.Out));
                Console.SetError(new RoutingWriter("stderr", Console.Error));
                installed = true;
            }
        }
        Current.Value = outputs;
    }

    sealed class RoutingWriter(string stream, TextWriter fallback) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        void Send(string text)
        {
            if (Current.Value is { } cell) cell.Write(stream, text);
            else fallback.Write(text);
        }

        public override void Write(char value) => Send(value.ToString());
        public override void Write(string? value) => Send(value ?? "");
        public override void Write(char[] buffer, int index, int count) => Send(new string(buffer, index, count));
        public override void WriteLine(string? value) => Send((value ?? "") + NewLine);
        public override void Flush() => fallback.Flush();
    }
}
