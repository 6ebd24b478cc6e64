# Issue 10 item 14: due times computed through provisional official years, and the daily warning.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0005_notification_subject'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProvisionalCalendarWarning',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(unique=True, verbose_name='day')),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='sent at')),
                ('provisional_timers', models.PositiveIntegerField(default=0, help_text='Open provisional timers that day.', verbose_name='provisional due times')),
                ('recipients', models.JSONField(default=list, help_text='User ids notified.', verbose_name='recipients')),
            ],
            options={
                'verbose_name': 'provisional due-time warning',
                'verbose_name_plural': 'provisional due-time warnings',
                'ordering': ['-day'],
            },
        ),
        migrations.AddField(
            model_name='timer',
            name='provisional',
            field=models.BooleanField(default=False, verbose_name='provisional'),
        ),
    ]
