using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.CSharp;

namespace DistillKit.Cli.Notebooks;

/// <summary>
/// Papermill-style parameters: the code cell tagged <c>parameters</c> declares defaults
/// (<c>var preset = "smoke"; var seed = 0;</c>); overrides go into a new cell tagged <c>injected-parameters</c>
/// right after it (<c>preset = "full";</c>), which stays in the executed notebook as a record of the run.
/// </summary>
public static class NotebookParameters
{
    public const string Tag = "parameters";
    public const string InjectedTag = "injected-parameters";

    static readonly Regex Declaration = new(@"(?:^|[;{}\n])\s*(?:var|const\s+\w+|[A-Za-z_][\w.<>\[\],?]*)\s+(?<name>[A-Za-z_]\w*)\s*=(?!=)\s*(?<value>[^;\n]*)");
    static readonly Regex Identifier = new(@"^[A-Za-z_]\w*$");
    static readonly Regex Number = new(@"^-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?$");

    /// <summary>
    /// Inserts the <c>injected-parameters</c> cell for <paramref name="values"/> (replacing one left by an earlier
    /// run). Throws <see cref="ArgumentException"/> when the notebook has no parameters cell or does not declare a name.
    /// </summary>
    public static void Inject(NotebookDocument notebook, IReadOnlyDictionary<string, string> values, string notebookName)
    {
        var cells = notebook.Cells;
        for (int i = cells.Count - 1; i >= 0; i--)
            if (cells[i].Tags.Contains(InjectedTag)) notebook.RemoveAt(i);
        if (values.Count == 0) return;

        cells = notebook.Cells;
        int index = cells.ToList().FindIndex(c => c.Type == "code" && c.Tags.Contains(Tag));
        if (index < 0) throw new ArgumentException($"notebook {notebookName} has no cell tagged '{Tag}', so --param cannot be applied");
        var declared = Declared(cells[index].Source);

        var code = new StringBuilder("// Injected parameters\n");
        foreach (var (name, value) in values)
        {
            if (!Identifier.IsMatch(name)) throw new ArgumentException($"--param {name}: not a C# identifier");
            if (!declared.TryGetValue(name, out var defaultValue))
                throw new ArgumentException($"notebook {notebookName}: parameter '{name}' is not declared in its parameters cell (declared: {string.Join(", ", declared.Keys)})");
            code.Append($"{name} = {Literal(value, IsStringLiteral(defaultValue))};\n");
        }
        notebook.Insert(index + 1, NotebookWriter.CodeCell(code.ToString().TrimEnd('\n'), "injected-parameters", InjectedTag));
    }

    /// <summary>The names declared in a parameters cell with their default value's source text.</summary>
    public static IReadOnlyDictionary<string, string> Declared(string source)
    {
        var declared = new Dictionary<string, string>();
        foreach (Match m in Declaration.Matches(source)) declared.TryAdd(m.Groups["name"].Value, m.Groups["value"].Value.Trim());
        return declared;
    }

    /// <summary>
    /// The C# literal for a command-line value: numbers and <c>true</c>/<c>false</c> as written, anything else
    /// (or anything, when the default is a string) as a quoted, escaped string literal.
    /// </summary>
    public static string Literal(string value, bool asString = false)
    {
        if (asString) return SymbolDisplay.FormatLiteral(value, quote: true);
        if (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("false", StringComparison.OrdinalIgnoreCase))
            return value.ToLowerInvariant();
        if (Number.IsMatch(value)) return value;
        return SymbolDisplay.FormatLiteral(value, quote: true);
    }

    static bool IsStringLiteral(string defaultValue) =>
        defaultValue.StartsWith('"') || defaultValue.StartsWith("@\"") || defaultValue.StartsWith("$\"") || defaultValue.StartsWith("$@\"") || defaultValue.StartsWith("@$\"");
}
