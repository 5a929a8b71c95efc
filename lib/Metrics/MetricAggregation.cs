namespace DistillKit.Metrics;

/// <summary>How a metric combines the pixels of several images.</summary>
public enum MetricAggregation
{
    /// <summary>The metric per image over its masked pixels, then the mean over images; images whose mask (or
    /// whose metric) is empty or undefined are left out of the mean (ARFlow, MDFlow evaluation).</summary>
    PerImage,

    /// <summary>All masked pixels (or counts) of all images pooled before the metric is computed.</summary>
    Pooled,
}
