{#-
    The lifecycle rules, in one place. int_lifecycle_segments_assigned uses
    them for the as-of date, int_customers_segmented for every projected future
    date, and the history models for every period end, so a segment means the
    same thing wherever it appears. Arguments are SQL expressions; `t` is the
    alias of a relation that carries the resolved thresholds
    (int_lifecycle_thresholds_resolved).

    Rules (recency = days since the last order, frequency = orders in the
    look-back window, lifetime_orders = all orders up to the evaluation date,
    tier_frequency = orders in the look-back window that ends on the last
    order date: the standing the customer earned when they last bought. It
    does not decay while they are away, recency measures that, so a loyal
    customer never slides back to an active segment without ordering):
      prospect   no order and no refund ever
      lost       nothing in the window, or recency beyond lost_days
      new        exactly one order ever, recency <= new_customer_days
      one_time   exactly one order ever, recency beyond new_customer_days
      loyal      repeat customer, tier_frequency >= loyal_min_orders, still active
      regular    other repeat customers, still active
      inactive   repeat customer past their inactivity threshold
    A threshold day still counts on the earlier side: recency equal to
    new_customer_days is still `new`.

    In 'probability' mode the day thresholds of new and inactive are the
    learned ones: `learned_days`, an SQL expression for the threshold of the
    customer's order-count group (int_lifecycle_thresholds_learned, joined by
    the caller on least(lifetime_orders, return_curve_max_orders)), replaces
    new_customer_days for one-order customers and the tier or cycle threshold
    for repeat customers. Every caller passes it; other modes ignore it.
-#}

{% macro rfm_frequency_tier(lifetime_orders, tier_frequency, t='t') -%}
    case
        when {{ lifetime_orders }} = 0 then 'none'
        when {{ lifetime_orders }} = 1 then 'one_order'
        {#- A returning customer with one order in the window keeps the repeat tier: they are not new. -#}
        when {{ tier_frequency }} >= {{ t }}.loyal_min_orders then 'loyal'
        else 'regular'
    end
{%- endmacro %}


{% macro rfm_inactivity_threshold_days(lifetime_orders, tier_frequency, order_span_days, t, learned_days) -%}
    {#-
        The diagonal: loyal customers get the shorter tier threshold. In
        'cycle' mode a customer is inactive once they skip their own rhythm:
        cycle_multiplier x their mean days between orders (rounded up), at
        least cycle_min_days and never later than their tier's threshold. In
        'probability' mode it is the learned threshold of their order count.
    -#}
    {%- set tier_threshold -%}
        case
            when {{ tier_frequency }} >= {{ t }}.loyal_min_orders then {{ t }}.inactive_days_loyal
            else {{ t }}.inactive_days_regular
        end
    {%- endset -%}
    case
        when {{ lifetime_orders }} < 2 then null
        when {{ t }}.inactivity_mode = 'probability' then {{ learned_days }}
        when {{ t }}.inactivity_mode = 'cycle' then
            least(
                {{ tier_threshold }},
                greatest(
                    {{ t }}.cycle_min_days,
                    {{ rfm_lifecycle.rfm_ceil_div(
                        '(' ~ order_span_days ~ ') * ' ~ t ~ '.cycle_multiplier_percent',
                        '100 * (' ~ lifetime_orders ~ ' - 1)'
                    ) }}
                )
            )
        else {{ tier_threshold }}
    end
{%- endmacro %}


{% macro rfm_new_customer_days(t, learned_days) -%}
    {#- The days a one-order customer stays new: new_customer_days, or the learned one in probability mode. -#}
    case when {{ t }}.inactivity_mode = 'probability' then {{ learned_days }} else {{ t }}.new_customer_days end
{%- endmacro %}


{% macro rfm_lifecycle_segment(
    lifetime_orders, frequency, tier_frequency, recency_days, order_span_days, has_refunds, t, learned_days
) -%}
    case
        when {{ lifetime_orders }} = 0 and not {{ has_refunds }} then 'prospect'
        when {{ lifetime_orders }} = 0 or {{ frequency }} = 0 then 'lost'
        when {{ recency_days }} > {{ t }}.lost_days then 'lost'
        when {{ lifetime_orders }} = 1 then
            case
                when {{ recency_days }} <= {{ rfm_lifecycle.rfm_new_customer_days(t, learned_days) }} then 'new'
                else 'one_time'
            end
        when {{ recency_days }}
            > {{ rfm_lifecycle.rfm_inactivity_threshold_days(
                lifetime_orders, tier_frequency, order_span_days, t, learned_days) }}
            then 'inactive'
        when {{ tier_frequency }} >= {{ t }}.loyal_min_orders then 'loyal'
        else 'regular'
    end
{%- endmacro %}


{% macro rfm_is_reactivation(previous_segment, lifecycle_segment) -%}
    {#- A win-back: from inactive or lost into an active segment. False where the previous segment is unknown. -#}
    coalesce(
        {{ previous_segment }} in ('inactive', 'lost') and {{ lifecycle_segment }} in ('new', 'regular', 'loyal'),
        false
    )
{%- endmacro %}
