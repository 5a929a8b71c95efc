namespace DistillKit.Viz.Display;

/// <summary>
/// Names the class that creates display formatters for the attributed type. .NET Interactive's formatter (in VS Code,
/// Jupyter's <c>.net-csharp</c> kernel and <c>./kit notebook run</c>) matches this attribute by its type name: the source
/// type has a parameterless constructor and a <c>CreateTypeFormatters()</c> method returning objects with
/// <c>Type</c>, <c>string MimeType</c> and <c>bool Format(object, TextWriter)</c>. Which of those mime types a value
/// shows as is set by <see cref="Viz.KitFormatters"/> (the kernel would otherwise ask for HTML only).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface, Inherited = true)]
public sealed class TypeFormatterSourceAttribute : Attribute
{
    public TypeFormatterSourceAttribute(Type formatterSourceType) => FormatterSourceType = formatterSourceType;

    /// <summary>The type whose <c>CreateTypeFormatters()</c> yields the formatters.</summary>
    public Type FormatterSourceType { get; }

    /// <summary>Mime types a value shows as, richest first (honoured by the kernel; the kit sets them in <see cref="Viz.KitFormatters"/>).</summary>
    public string[]? PreferredMimeTypes { get; set; }
}

/// <summary>One formatter: writes a value of a given type as one mime type.</summary>
public sealed class TypeFormatter
{
    readonly Func<object, TextWriter, bool> _format;

    public TypeFormatter(Type type, string mimeType, Func<object, TextWriter, bool> format)
    {
        Type = type;
        MimeType = mimeType;
        _format = format;
    }

    public Type Type { get; }
    public string MimeType { get; }

    /// <summary>Writes the value; false when this formatter does not apply to it.</summary>
    public bool Format(object instance, TextWriter writer) => Type.IsInstanceOfType(instance) && _format(instance, writer);
}
