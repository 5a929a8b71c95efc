namespace DistillKit.Cli.Notebooks;

/// <summary>
/// What every notebook cell sees besides its own variables: the helpers .NET Interactive provides, so a
/// notebook runs the same in VS Code and headless. Lower-case names are .NET Interactive's.
/// </summary>
public class NotebookGlobals
{
    /// <summary>The outputs of the cell now running (set by the runner).</summary>
    internal CellOutputs? Current { get; set; }

    /// <summary>
    /// Shows <paramref name="value"/> as a <c>display_data</c> output, formatted like a cell's result. The returned
    /// handle's <see cref="DisplayedValue.Update"/> replaces that output in place (a live plot), as in .NET Interactive.
    /// </summary>
    public DisplayedValue display(object? value)
    {
        var output = ValueFormatter.DisplayData(value);
        Current?.Add(output);
        return new DisplayedValue(Current, output);
    }

    /// <summary>Marks <paramref name="html"/> as HTML: as a cell's result or through <c>display</c> it renders as <c>text/html</c>.</summary>
    public HtmlString HTML(string html) => new(html);
}

/// <summary>A shown value that can be replaced while its cell runs (.NET Interactive's <c>DisplayedValue</c>).</summary>
public sealed class DisplayedValue
{
    readonly CellOutputs? cell;
    System.Text.Json.Nodes.JsonObject output;

    internal DisplayedValue(CellOutputs? cell, System.Text.Json.Nodes.JsonObject output)
    {
        this.cell = cell;
        this.output = output;
    }

    /// <summary>Replaces the shown value with <paramref name="value"/>.</summary>
    public void Update(object? value)
    {
        var next = ValueFormatter.DisplayData(value);
        cell?.Replace(output, next);
        output = next;
    }
}

/// <summary>Text to be shown as HTML (what <c>HTML(...)</c> returns).</summary>
public sealed record HtmlString(string Html)
{
    public override string ToString() => Html;
}

