namespace DistillKit.Cli.Notebooks;

/// <summary>
/// What every notebook cell sees besides its own variables: the helpers .NET Interactive provides, so a
/// notebook runs the same in VS Code and headless. Lower-case names are .NET Interactive's.
/// </summary>
public class NotebookGlobals
{
    /// <summary>The outputs of the cell now running (set by the runner).</summary>
    internal CellOutputs? Current { get; set; }

    /// <summary>Shows <paramref name="value"/> as a <c>display_data</c> output, formatted like a cell's result.</summary>
    public void display(object? value) => Current?.Add(ValueFormatter.DisplayData(value));

    /// <summary>Marks <paramref name="html"/> as HTML: as a cell's result or through <c>display</c> it renders as <c>text/html</c>.</summary>
    public HtmlString HTML(string html) => new(html);
}

/// <summary>Text to be shown as HTML (what <c>HTML(...)</c> returns).</summary>
public sealed record HtmlString(string Html)
{
    public override string ToString() => Html;
}

