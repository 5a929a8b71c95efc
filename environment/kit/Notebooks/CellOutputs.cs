using System.Text;
using System.Text.Json.Nodes;

namespace DistillKit.Cli.Notebooks;

/// <summary>
/// Collects one cell's outputs in the order the kernel reports them: console text (consecutive writes to one stream
/// merge into one <c>stream</c> output), <c>display_data</c>, <c>execute_result</c>, <c>error</c>. Thread-safe;
/// once closed (cell finished or timed out) later writes are dropped.
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
