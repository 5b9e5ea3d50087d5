from django.db import migrations, models


class Migration(migrations.Migration):
    """Conversation becomes the style of new chatbots; chatbots that exist
    keep the form their visitors already know until an editor switches."""

    dependencies = [
        ("wagtail_chatbot_crm", "0015_widget_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="chatbot",
            name="widget_style",
            field=models.CharField(
                choices=[
                    ("conversation", "Conversation: one question at a time"),
                    ("form", "Form: every field at once"),
                ],
                default="form",
                help_text=(
                    "A conversation asks one question at a time in chat bubbles; "
                    "a form shows every field at once. Without JavaScript visitors "
                    "get the form."
                ),
                max_length=12,
                verbose_name="style",
            ),
        ),
        migrations.AlterField(
            model_name="chatbot",
            name="widget_style",
            field=models.CharField(
                choices=[
                    ("conversation", "Conversation: one question at a time"),
                    ("form", "Form: every field at once"),
                ],
                default="conversation",
                help_text=(
                    "A conversation asks one question at a time in chat bubbles; "
                    "a form shows every field at once. Without JavaScript visitors "
                    "get the form."
                ),
                max_length=12,
                verbose_name="style",
            ),
        ),
    ]
